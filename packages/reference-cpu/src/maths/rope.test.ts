import { type RuntimeModelConfig, ropeInverseFrequencies } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, randomArray, rngFor } from '../testing/test-helpers.js';
import { TINY_CONFIGS } from '../testing/tiny-configs.js';
import { applyRope, ropeAngles, ropeInterleavePermutation } from './rope.js';

const permuteHeads = (x: Float32Array, d: number, perm: Int32Array): Float32Array =>
  x.map((_, j) => x[Math.floor(j / d) * d + perm[j % d]!]!);

describe('applyRope', () => {
  const rng = rngFor(41);

  it('rotate-half pairs (i, i + rot/2) by pos·invFreq[i] (HF: x·cos + rotate_half(x)·sin)', () => {
    const d = 10;
    const inv = Float32Array.from([1, 0.3, 0.01]); // rot = 6 of 10 dims: partial rotary
    const x = randomArray(rng, 2 * d);
    const got = applyRope(x.slice(), d, ropeAngles(inv, 7), 'rotate-half');
    for (let h = 0; h < 2; h++) {
      for (let i = 0; i < 3; i++) {
        const a = x[h * d + i]!;
        const b = x[h * d + i + 3]!;
        const th = Math.fround(7 * inv[i]!);
        expect(got[h * d + i]).toBeCloseTo(a * Math.cos(th) - b * Math.sin(th), 6);
        expect(got[h * d + i + 3]).toBeCloseTo(b * Math.cos(th) + a * Math.sin(th), 6);
      }
      for (let j = 6; j < d; j++) expect(got[h * d + j]).toBe(x[h * d + j]); // past rot: untouched
    }
  });

  it('turns (a, b) into (−b, a) at a quarter turn and is the identity at position 0', () => {
    const x = Float32Array.from([2, 3]);
    const y = applyRope(x.slice(), 2, ropeAngles(Float32Array.from([Math.PI / 2]), 1), 'interleaved');
    expect(y[0]).toBeCloseTo(-3, 6);
    expect(y[1]).toBeCloseTo(2, 6);
    const z = randomArray(rng, 24);
    expect(applyRope(z.slice(), 8, ropeAngles(Float32Array.from([1, 2, 3, 4]), 0), 'rotate-half')).toEqual(z);
  });

  it('interleaved RoPE on permuted rows equals rotate-half RoPE, permuted (the rope-permute contract)', () => {
    for (const [d, rot] of [
      [8, 8],
      [12, 6],
      [24, 24],
    ] as const) {
      const inv = Float32Array.from({ length: rot / 2 }, (_, i) => 10000 ** (-(2 * i) / rot));
      const perm = ropeInterleavePermutation(d, rot);
      const x = randomArray(rng, 3 * d);
      const angles = ropeAngles(inv, 13);
      const viaHalf = permuteHeads(applyRope(x.slice(), d, angles, 'rotate-half'), d, perm);
      const viaInterleaved = applyRope(permuteHeads(x, d, perm), d, angles, 'interleaved');
      expect(maxAbsDiff(viaInterleaved, viaHalf)).toBeLessThan(1e-6);
    }
  });

  it('makes q·k depend only on the distance between positions', () => {
    const c: RuntimeModelConfig = TINY_CONFIGS['llama3-mqa-tied']!;
    const inv = ropeInverseFrequencies(c);
    const q = randomArray(rng, c.headDim);
    const k = randomArray(rng, c.headDim);
    const dot = (m: number, n: number): number => {
      const a = applyRope(q.slice(), c.headDim, ropeAngles(inv, m), 'rotate-half');
      const b = applyRope(k.slice(), c.headDim, ropeAngles(inv, n), 'rotate-half');
      return a.reduce((s, v, i) => s + v * b[i]!, 0);
    };
    // f32 angles make this exact only to ~1e-5 at these magnitudes.
    expect(dot(9, 4)).toBeCloseTo(dot(5, 0), 4);
    expect(dot(20, 17)).toBeCloseTo(dot(3, 0), 4);
  });

  it('only rotates the heads of its tile', () => {
    const x = randomArray(rng, 4 * 6);
    const y = applyRope(x.slice(), 6, ropeAngles(Float32Array.from([1, 0.5, 0.25]), 3), 'interleaved', 1, 2);
    expect(y.subarray(0, 6)).toEqual(x.subarray(0, 6));
    expect(y.subarray(18)).toEqual(x.subarray(18));
    expect(maxAbsDiff(y.subarray(6, 18), x.subarray(6, 18))).toBeGreaterThan(0.01);
  });
});
