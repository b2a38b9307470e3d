import { describe, expect, it } from 'vitest';
import { roundToBf16 } from '../maths/dtype-convert.js';
import { randomArray, rngFor } from '../testing/test-helpers.js';
import { data, Harness, inst } from '../testing/vm-harness.js';
import { VmInstructionError } from '../vm/errors.js';

const rng = rngFor(53);

/** The formula, written out: per head, x · (mean(x²) + eps)^(-1/2), rounded to f32, times gamma. */
function headRmsNorm(
  x: Float32Array,
  gamma: Float32Array,
  d: number,
  h0: number,
  count: number,
  eps: number,
) {
  const out = Float32Array.from(x);
  for (let h = h0; h < h0 + count; h++) {
    let ss = 0;
    for (let j = 0; j < d; j++) ss += x[h * d + j]! ** 2;
    const inv = (ss / d + eps) ** -0.5;
    for (let j = 0; j < d; j++) out[h * d + j] = Math.fround(x[h * d + j]! * inv) * gamma[j]!;
  }
  return out;
}

describe('HEAD_RMS_NORM', () => {
  // 5 heads of 7 (not a multiple of any tile): heads 1-3 normalised, 0 and 4 untouched.
  it('normalises each head of the range in place with the shared gamma, and leaves the others', () => {
    const H = 5;
    const d = 7;
    const xv = randomArray(rng, H * d, 4);
    const gamma = randomArray(rng, d).map(roundToBf16);
    const h = new Harness();
    const g = h.weight('gamma', gamma, [1, d], 'bf16');
    const x = h.state('x', [H, d]);
    h.b.push(0, inst('HEAD_RMS_NORM', { x, gamma: g, headStart: 1, headCount: 3, eps: 1e-6 }));
    const run = h.load();
    data(run, x).set(xv);
    run.runStep(0);
    const want = headRmsNorm(xv, gamma, d, 1, 3, Math.fround(1e-6));
    const got = data(run, x);
    for (let i = 0; i < H * d; i++) expect(got[i]).toBeCloseTo(want[i]!, 6);
    expect(Array.from(got.subarray(0, d))).toEqual(Array.from(xv.subarray(0, d)));
    expect(Array.from(got.subarray(4 * d))).toEqual(Array.from(xv.subarray(4 * d)));
  });

  // OLMo-2's q/k norm: one RMS over heads 1-3 together, gamma as wide as the range.
  it('with joint, normalises the whole head range as one vector with a gamma of its width', () => {
    const H = 5;
    const d = 7;
    const xv = randomArray(rng, H * d, 4);
    const gamma = randomArray(rng, 3 * d).map(roundToBf16);
    const h = new Harness();
    const g = h.weight('gamma', gamma, [1, 3 * d], 'bf16');
    const x = h.state('x', [H, d]);
    h.b.push(
      0,
      inst('HEAD_RMS_NORM', { flags: ['joint'], x, gamma: g, headStart: 1, headCount: 3, eps: 1e-6 }),
    );
    const run = h.load();
    data(run, x).set(xv);
    run.runStep(0);
    // The range seen as one head of 3·d elements.
    const want = headRmsNorm(xv.subarray(d, 4 * d), gamma, 3 * d, 0, 1, Math.fround(1e-6));
    const got = data(run, x);
    for (let i = 0; i < 3 * d; i++) expect(got[d + i]).toBeCloseTo(want[i]!, 6);
    // Not the per-head result: the heads' scales differ.
    const perHead = headRmsNorm(xv, gamma, d, 1, 3, Math.fround(1e-6));
    expect(Math.abs(got[d]! - perHead[d]!)).toBeGreaterThan(1e-4);
    expect(Array.from(got.subarray(0, d))).toEqual(Array.from(xv.subarray(0, d)));
    expect(Array.from(got.subarray(4 * d))).toEqual(Array.from(xv.subarray(4 * d)));
  });

  it('refuses a joint gamma that is not as wide as the range', () => {
    const h = new Harness();
    const g = h.weight('gamma', new Float32Array(4), [1, 4]);
    h.b.push(
      0,
      inst('HEAD_RMS_NORM', {
        flags: ['joint'],
        x: h.state('x', [2, 4]),
        gamma: g,
        headStart: 0,
        headCount: 2,
        eps: 1e-6,
      }),
    );
    expect(() => h.load().runStep(0)).toThrow(VmInstructionError);
  });

  it('refuses a gamma that is not one head wide', () => {
    const h = new Harness();
    const g = h.weight('gamma', new Float32Array(6), [1, 6]);
    h.b.push(
      0,
      inst('HEAD_RMS_NORM', { x: h.state('x', [2, 4]), gamma: g, headStart: 0, headCount: 2, eps: 1e-6 }),
    );
    expect(() => h.load().runStep(0)).toThrow(VmInstructionError);
  });
});
