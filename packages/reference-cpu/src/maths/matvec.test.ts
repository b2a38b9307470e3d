import { describe, expect, it } from 'vitest';
import { maxAbsDiff, randomArray, rngFor } from '../testing/test-helpers.js';
import { matmul, matvec, matvecTile } from './matvec.js';

// The plain formula, written out: y[r] = Σ_k W[r·K + k] · x[k] (+ b[r]).
function naive(W: Float32Array, x: Float32Array, N: number, K: number, b?: Float32Array): number[] {
  const y: number[] = [];
  for (let r = 0; r < N; r++) {
    let s = b ? b[r]! : 0;
    for (let k = 0; k < K; k++) s += W[r * K + k]! * x[k]!;
    y.push(s);
  }
  return y;
}

// Tolerance: both sides accumulate in double and only the f32 store rounds, so they agree to
// f32 resolution of the result (|y| ≲ √K here): 1e-5 absolute.
describe('matvec', () => {
  const rng = rngFor(11);
  for (const [N, K] of [
    [1, 1],
    [7, 3],
    [37, 53],
    [64, 128],
    [5, 1031],
  ] as const) {
    it(`equals x·Wᵀ (+ bias) for W [${N}, ${K}]`, () => {
      const W = randomArray(rng, N * K);
      const x = randomArray(rng, K);
      const b = randomArray(rng, N);
      expect(maxAbsDiff(matvec(W, x, N, K), naive(W, x, N, K))).toBeLessThan(1e-5);
      expect(maxAbsDiff(matvec(W, x, N, K, b), naive(W, x, N, K, b))).toBeLessThan(1e-5);
    });
  }

  it('split-K tiles that accumulate add up to the whole product, the bias added once', () => {
    const [N, K] = [23, 101];
    const W = randomArray(rng, N * K);
    const x = randomArray(rng, K);
    const b = randomArray(rng, N);
    const y = new Float32Array(N);
    // Rows in two tiles; K in three unequal chunks, the first overwriting, the rest accumulating.
    for (const [rowStart, rowCount] of [
      [0, 10],
      [10, 13],
    ] as const) {
      matvecTile({ W, K, x, y, rowStart, rowCount, kStart: 0, kCount: 40, bias: b });
      matvecTile({ W, K, x, y, rowStart, rowCount, kStart: 40, kCount: 33, bias: b, accumulate: true });
      matvecTile({ W, K, x, y, rowStart, rowCount, kStart: 73, kCount: 28, bias: b, accumulate: true });
    }
    expect(maxAbsDiff(y, naive(W, x, N, K, b))).toBeLessThan(1e-5);
  });

  it('writes only the rows of its tile', () => {
    const W = randomArray(rng, 8 * 4);
    const y = new Float32Array(8).fill(7);
    matvecTile({ W, K: 4, x: randomArray(rng, 4), y, rowStart: 2, rowCount: 3 });
    expect([y[0], y[1], y[5], y[6], y[7]]).toEqual([7, 7, 7, 7, 7]);
  });

  it('matmul is one matvec per row of X', () => {
    const [T, N, K] = [5, 9, 17];
    const X = randomArray(rng, T * K);
    const W = randomArray(rng, N * K);
    const Y = matmul(X, T, W, N, K);
    for (let t = 0; t < T; t++) {
      expect(
        maxAbsDiff(Y.subarray(t * N, (t + 1) * N), naive(W, X.subarray(t * K, (t + 1) * K), N, K)),
      ).toBeLessThan(1e-5);
    }
  });
});
