/**
 * A seeded PRNG: xoshiro128** (Blackman and Vigna), its 128-bit state filled by splitmix32 from the
 * seed. 32-bit integer arithmetic only, so every platform draws the same sequence.
 */

export interface Rng {
  /** Next 32-bit unsigned integer. */
  nextU32(): number;
  /** Uniform in [0, 1) with 53 random bits: uniformFromWords of the next nextUniformWords(). */
  nextFloat(): number;
  /** The two draws nextFloat() combines (27 and 26 bits), for a sampler that combines them elsewhere. */
  nextUniformWords(): [number, number];
  /** Uniform integer in [0, n). */
  nextInt(n: number): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** A generator seeded from a 32-bit seed. */
export function createRng(seed: number): Rng {
  const init = splitmix32(seed);
  return xoshiro128StarStar([init(), init(), init(), init()]);
}

/** xoshiro128** from an explicit 128-bit state (four u32, not all zero). */
export function xoshiro128StarStar(state: readonly [number, number, number, number]): Rng {
  let [s0, s1, s2, s3] = state.map((w) => w >>> 0) as [number, number, number, number];
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3 >>> 0, 11);
    s0 >>>= 0;
    s1 >>>= 0;
    s2 >>>= 0;
    return result;
  };
  const nextUniformWords = (): [number, number] => {
    const high = nextU32() >>> 5;
    return [high, nextU32() >>> 6];
  };
  const nextFloat = (): number => uniformFromWords(...nextUniformWords());
  return { nextU32, nextFloat, nextUniformWords, nextInt: (n: number) => Math.floor(nextFloat() * n) };
}

/** 27 + 26 random bits → a double in [0, 1) on the 2^-53 grid (exact: SAMPLE computes the same). */
export function uniformFromWords(high: number, low: number): number {
  return (high * 67108864 + low) / 9007199254740992;
}
