import { describe, expect, it } from 'vitest';
import { argmax } from './argmax.js';
import { createRng, xoshiro128StarStar } from './prng.js';
import { sampleToken, samplingDistribution } from './sampling.js';
import { logSumExp, softmax } from './softmax.js';

describe('prng', () => {
  it('is xoshiro128** (reference sequence from state 1, 2, 3, 4)', () => {
    const r = xoshiro128StarStar([1, 2, 3, 4]);
    expect([r.nextU32(), r.nextU32(), r.nextU32()]).toEqual([11520, 0, 5927040]);
  });
  it('is deterministic per seed and uniform enough', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 20000 }, () => a.nextFloat());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.nextFloat()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01); // 7σ for 20k uniforms
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});

describe('softmax', () => {
  it('sums to 1 and is stable for large logits', () => {
    const p = softmax([1000, 1001, 999]);
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 14);
    expect(p[1]).toBeCloseTo(Math.exp(1) / (1 + Math.exp(1) + Math.exp(-1)), 14);
    expect(logSumExp([0, 0, 0, 0])).toBeCloseTo(Math.log(4), 15);
    expect(logSumExp([])).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('sampling', () => {
  const logits = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);

  it('with temperature 0 or top-k 1 is argmax', () => {
    const rng = createRng(1);
    const l = [0.1, 2, 2, -1];
    expect(sampleToken(l, rng, { temperature: 0 })).toBe(argmax(l));
    expect(sampleToken(l, rng, { topK: 1 })).toBe(1);
    expect(sampleToken(l, rng, { topK: 1, suppress: [1] })).toBe(2);
  });
  it('top-p keeps the smallest most-likely set whose mass reaches p', () => {
    expect(samplingDistribution(logits, { topP: 0.5 }).tokens).toEqual([0]);
    expect(samplingDistribution(logits, { topP: 0.6 }).tokens).toEqual([0, 1]);
    expect(samplingDistribution(logits, { topP: 0.9 }).tokens).toEqual([0, 1, 2]);
    const d = samplingDistribution(logits, { topP: 0.6 });
    expect(d.probs[0]).toBeCloseTo(0.5 / 0.8, 6);
  });
  it('top-k keeps the k most likely, temperature sharpens', () => {
    expect(samplingDistribution(logits, { topK: 2 }).tokens).toEqual([0, 1]);
    const cold = samplingDistribution(logits, { temperature: 0.5 }).probs;
    expect(cold[0]).toBeCloseTo(0.25 / (0.25 + 0.09 + 0.04), 6); // p^(1/T) renormalised
  });
  it('draws each token with its probability (20k draws, 5σ bounds) and repeats per seed', () => {
    const rng = createRng(7);
    const n = 20000;
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) counts[sampleToken(logits, rng)]!++;
    [0.5, 0.3, 0.2].forEach((p, i) => {
      expect(Math.abs(counts[i]! / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    });
    const a = createRng(3);
    const b = createRng(3);
    const draw = (r: typeof a): number[] =>
      Array.from({ length: 50 }, () => sampleToken(logits, r, { topP: 0.9, temperature: 0.8 }));
    expect(draw(a)).toEqual(draw(b));
  });
});
