import { describe, expect, it } from 'vitest';
import { maxAbsDiff, randomArray, rngFor } from '../testing/test-helpers.js';
import { layerNorm } from './layer-norm.js';
import { rmsNorm } from './rms-norm.js';

// Tolerance 1e-6 absolute: outputs are O(1) and both sides compute in double; only f32 stores differ.
describe('rmsNorm', () => {
  const rng = rngFor(21);
  for (const n of [1, 3, 64, 77, 1000]) {
    it(`is x / sqrt(mean(x²) + eps) · gamma for n = ${n}`, () => {
      const x = randomArray(rng, n, 3);
      const g = randomArray(rng, n);
      const eps = 1e-5;
      const ms = x.reduce((s, v) => s + v * v, 0) / n;
      const want = Array.from(x, (v, i) => (v / Math.sqrt(ms + eps)) * g[i]!);
      expect(maxAbsDiff(rmsNorm(x, g, eps), want)).toBeLessThan(1e-6);
    });
  }
  it('maps a constant vector c to c / sqrt(c² + eps) and has unit RMS without eps or gamma', () => {
    const y = rmsNorm(new Float32Array(10).fill(2), null, 0.25);
    expect(y[3]).toBeCloseTo(2 / Math.sqrt(4.25), 6);
    const z = rmsNorm(randomArray(rng, 33, 5), null, 0);
    expect(Math.sqrt(z.reduce((s, v) => s + v * v, 0) / 33)).toBeCloseTo(1, 6);
  });
});

describe('layerNorm', () => {
  const rng = rngFor(22);
  for (const n of [2, 5, 64, 129]) {
    it(`is (x − mean) / sqrt(var + eps) · gamma + beta with population variance, n = ${n}`, () => {
      const x = randomArray(rng, n, 4).map((v) => v + 10); // an offset mean exercises the centring
      const g = randomArray(rng, n);
      const b = randomArray(rng, n);
      const eps = 1e-5;
      const mean = x.reduce((s, v) => s + v, 0) / n;
      const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
      const want = Array.from(x, (v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i]! + b[i]!);
      expect(maxAbsDiff(layerNorm(x, g, b, eps), want)).toBeLessThan(1e-5);
    });
  }
  it('without gamma and beta gives mean 0 and variance 1', () => {
    const y = layerNorm(randomArray(rng, 51, 3), null, null, 0);
    const mean = y.reduce((s, v) => s + v, 0) / 51;
    expect(mean).toBeCloseTo(0, 6);
    expect(y.reduce((s, v) => s + (v - mean) ** 2, 0) / 51).toBeCloseTo(1, 5);
  });
});
