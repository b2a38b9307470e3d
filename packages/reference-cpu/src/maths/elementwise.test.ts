import { describe, expect, it } from 'vitest';
import { randomArray, rngFor } from '../testing/test-helpers.js';
import { add, mul, mulAdd, residualAdd, scale } from './elementwise.js';
import { embeddingGather } from './embedding.js';

describe('elementwise ops', () => {
  it('compute their formula per element with one f32 rounding', () => {
    const rng = rngFor(51);
    const [a, b, c] = [randomArray(rng, 19), randomArray(rng, 19), randomArray(rng, 19)];
    const f = Math.fround;
    expect(Array.from(add(a, b))).toEqual(Array.from(a, (v, i) => f(v + b[i]!)));
    expect(Array.from(mul(a, b))).toEqual(Array.from(a, (v, i) => f(v * b[i]!)));
    expect(Array.from(scale(a, 0.3))).toEqual(Array.from(a, (v) => f(v * 0.3)));
    expect(Array.from(mulAdd(a, b, c))).toEqual(Array.from(a, (v, i) => f(v * b[i]! + c[i]!)));
    const r = c.slice();
    residualAdd(r, a);
    expect(Array.from(r)).toEqual(Array.from(c, (v, i) => f(v + a[i]!)));
  });
});

describe('embeddingGather', () => {
  it('returns scale · table[token] plus the learned position row', () => {
    const table = Float32Array.from({ length: 5 * 3 }, (_, i) => i);
    const positions = Float32Array.from({ length: 4 * 3 }, (_, i) => 100 * i);
    expect(Array.from(embeddingGather({ table, hidden: 3, token: 2 }))).toEqual([6, 7, 8]);
    expect(
      Array.from(
        embeddingGather({ table, hidden: 3, token: 4, scale: 2, positions: { table: positions, pos: 1 } }),
      ),
    ).toEqual([24 + 300, 26 + 400, 28 + 500]);
  });
  it('rejects a token outside the table', () => {
    expect(() => embeddingGather({ table: new Float32Array(6), hidden: 3, token: 2 })).toThrow(RangeError);
    expect(() => embeddingGather({ table: new Float32Array(6), hidden: 3, token: -1 })).toThrow(RangeError);
  });
});
