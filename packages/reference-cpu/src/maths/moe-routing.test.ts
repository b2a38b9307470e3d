import { describe, expect, it } from 'vitest';
import { routeTopK } from './moe-routing.js';

describe('routeTopK', () => {
  it('picks the most probable experts in order, weights renormalised over them', () => {
    // softmax of [0, ln 3, ln 2, ln 4] = [1, 3, 2, 4] / 10.
    const r = routeTopK([0, Math.log(3), Math.log(2), Math.log(4)], 2, true);
    expect(r.experts).toEqual([3, 1]);
    expect(r.weights[0]).toBeCloseTo(4 / 7, 6);
    expect(r.weights[1]).toBeCloseTo(3 / 7, 6);
  });
  it('without normalisation the weights are the softmax probabilities', () => {
    const r = routeTopK([0, Math.log(3), Math.log(2), Math.log(4)], 3, false);
    expect(r.experts).toEqual([3, 1, 2]);
    expect(r.weights.map((w) => Number(w.toFixed(6)))).toEqual([0.4, 0.3, 0.2]);
  });
  it('ties go to the lower expert; large logits do not overflow', () => {
    expect(routeTopK([5, 7, 7, 1], 2, true).experts).toEqual([1, 2]);
    const r = routeTopK([1000, 999, -1000], 1, true);
    expect(r.experts).toEqual([0]);
    expect(r.weights).toEqual([1]);
  });
});
