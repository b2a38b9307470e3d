/**
 * What the fuzz tests share: their time budget and seed from the environment (a printed seed replays
 * the same cases), the per-case hang limit, and a small seeded generator (mulberry32).
 */
export const FUZZ_SECONDS = Number(process.env.MEGAKERNEL_FUZZ_SECONDS ?? 3);
export const FUZZ_SEED = Number(process.env.MEGAKERNEL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** A case slower than this counts as a hang (a clean case takes a few milliseconds). */
export const CASE_LIMIT_MS = 2000;

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
