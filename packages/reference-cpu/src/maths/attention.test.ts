import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, randomArray, relativeError, rngFor } from '../testing/test-helpers.js';
import { alibiSlopes } from './alibi.js';
import {
  attentionChunkRange,
  attentionPartialHead,
  attentionReduceHead,
  decodeAttention,
  type KvLayout,
  kvCacheLayout,
} from './attention.js';
import { causalAttention } from './causal-attention.js';

/** The textbook formula for one head: softmax over the listed keys of scale·q·k (+ bias), times V. */
function naiveHead(
  q: number[],
  keys: number[][],
  values: number[][],
  scale: number,
  bias: number[] = [],
): number[] {
  const logits = keys.map((k, j) => scale * k.reduce((s, v, i) => s + v * q[i]!, 0) + (bias[j] ?? 0));
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const z = e.reduce((a, b) => a + b, 0);
  return q.map((_, i) => values.reduce((s, v, j) => s + (e[j]! / z) * v[i]!, 0));
}

/** A cache [2, maxSeq, Hkv, d] filled with random K and V. */
function randomCache(
  seed: number,
  maxSeq: number,
  Hkv: number,
  d: number,
): { kv: Float32Array; layout: KvLayout } {
  const kv = randomArray(rngFor(seed), 2 * maxSeq * Hkv * d, 2);
  return { kv, layout: kvCacheLayout(kv, maxSeq, Hkv, d) };
}
const row = (l: KvLayout, which: 'k' | 'v', p: number, h: number): number[] => {
  const base = (which === 'k' ? l.kBase : l.vBase) + p * l.posStride + h * l.headStride;
  return Array.from((which === 'k' ? l.k : l.v).subarray(base, base + l.headDim));
};

// Tolerance 1e-6 absolute: double accumulation on both sides, outputs O(1), f32 stores.
describe('attentionPartialHead', () => {
  it('is softmax(scale·q·k)·v over its key range and returns max + ln Σ exp', () => {
    const d = 7;
    const { layout } = randomCache(1, 20, 3, d);
    const q = randomArray(rngFor(2), 3 * d);
    const out = new Float32Array(d);
    const lse = attentionPartialHead({ q, qOffset: d, kvHead: 2, scale: 0.37 }, layout, 4, 15, out, 0);
    const keys = Array.from({ length: 11 }, (_, j) => row(layout, 'k', 4 + j, 2));
    const vals = Array.from({ length: 11 }, (_, j) => row(layout, 'v', 4 + j, 2));
    const qh = Array.from(q.subarray(d, 2 * d));
    expect(maxAbsDiff(out, naiveHead(qh, keys, vals, 0.37))).toBeLessThan(1e-6);
    const logits = keys.map((k) => 0.37 * k.reduce((s, v, i) => s + v * qh[i]!, 0));
    expect(lse).toBeCloseTo(Math.log(logits.reduce((s, l) => s + Math.exp(l), 0)), 10);
  });

  it('gives an empty range LSE −∞ and output 0', () => {
    const { layout } = randomCache(3, 4, 1, 4);
    const out = new Float32Array(4).fill(9);
    expect(
      attentionPartialHead({ q: new Float32Array(4), qOffset: 0, kvHead: 0, scale: 1 }, layout, 2, 2, out, 0),
    ).toBe(Number.NEGATIVE_INFINITY);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
  });
});

describe('attention chunks', () => {
  it('cover the visible keys exactly once, window included', () => {
    for (const [pos, window, chunks] of [
      [0, null, 1],
      [10, null, 3],
      [10, 4, 3],
      [2, null, 5],
      [40, 8, 4],
    ] as const) {
      const seen: number[] = [];
      for (let c = 0; c < chunks; c++) {
        const [s, e] = attentionChunkRange(pos, window, c, chunks);
        for (let k = s; k < e; k++) seen.push(k);
      }
      const lo = window ? Math.max(0, pos - window + 1) : 0;
      expect(seen).toEqual(Array.from({ length: pos - lo + 1 }, (_, i) => lo + i));
    }
  });

  it('merged through the LSE reduction equal one-shot attention for any chunking (property)', () => {
    const d = 5;
    const maxSeq = 40;
    const { layout } = randomCache(4, maxSeq, 2, d);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: maxSeq - 1 }),
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
        fc.integer({ min: 0, max: 1000 }),
        (pos, chunks, window, seed) => {
          const q = randomArray(rngFor(seed), d, 2);
          const query = { q, qOffset: 0, kvHead: 1, scale: 0.9 };
          const once = new Float32Array(d);
          attentionPartialHead(query, layout, ...attentionChunkRange(pos, window, 0, 1), once, 0);
          const partials = new Float32Array(chunks * d);
          const lse: number[] = [];
          for (let c = 0; c < chunks; c++) {
            lse.push(
              attentionPartialHead(
                query,
                layout,
                ...attentionChunkRange(pos, window, c, chunks),
                partials,
                c * d,
              ),
            );
          }
          const merged = new Float32Array(d);
          attentionReduceHead(partials, (c) => c * d, lse, d, merged, 0);
          return maxAbsDiff(merged, once) < 1e-5;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('decodeAttention', () => {
  const d = 6;
  const maxSeq = 16;

  it('maps query head h to KV head ⌊h / g⌋ (GQA), equal to MHA over repeated KV heads', () => {
    for (const Hkv of [1, 2, 4]) {
      const Hq = 4;
      const { layout } = randomCache(5 + Hkv, maxSeq, Hkv, d);
      // The same cache with every KV head repeated g times is an MHA cache.
      const g = Hq / Hkv;
      const mha = new Float32Array(2 * maxSeq * Hq * d);
      for (let w = 0; w < 2; w++)
        for (let p = 0; p < maxSeq; p++)
          for (let h = 0; h < Hq; h++)
            mha.set(row(layout, w ? 'v' : 'k', p, Math.floor(h / g)), ((w * maxSeq + p) * Hq + h) * d);
      const q = randomArray(rngFor(9), Hq * d);
      const args = { q, numHeads: Hq, pos: 11, scale: 0.4, window: null };
      const gqa = decodeAttention({ ...args, cache: layout, numKvHeads: Hkv });
      const ref = decodeAttention({ ...args, cache: kvCacheLayout(mha, maxSeq, Hq, d), numKvHeads: Hq });
      expect(maxAbsDiff(gqa, ref)).toBeLessThan(1e-6);
      // And head 3 by the formula over keys 0..11.
      const keys = Array.from({ length: 12 }, (_, p) => row(layout, 'k', p, Math.floor(3 / g)));
      const vals = Array.from({ length: 12 }, (_, p) => row(layout, 'v', p, Math.floor(3 / g)));
      expect(
        maxAbsDiff(gqa.subarray(3 * d), naiveHead(Array.from(q.subarray(3 * d)), keys, vals, 0.4)),
      ).toBeLessThan(1e-6);
    }
  });

  it('with a sliding window sees exactly keys pos − window < k ≤ pos', () => {
    const { kv, layout } = randomCache(6, maxSeq, 1, d);
    const q = randomArray(rngFor(7), 2 * d);
    const args = { q, cache: layout, numHeads: 2, numKvHeads: 1, pos: 9, scale: 0.5, window: 4 };
    const before = decodeAttention(args);
    // Changing keys outside (…, 5] ∪ (9, …) changes nothing; changing key 6 does.
    for (const p of [0, 5, 10, 15]) kv.fill(100, p * d, p * d + d);
    expect(decodeAttention(args)).toEqual(before);
    kv.fill(3, 6 * d, 7 * d);
    expect(maxAbsDiff(decodeAttention(args), before)).toBeGreaterThan(1e-3);
  });

  it('adds the ALiBi bias −slope·(pos − k)', () => {
    const { layout } = randomCache(8, maxSeq, 2, d);
    const q = randomArray(rngFor(10), 2 * d);
    const slopes = Float32Array.from([0.5, 0.125]);
    const got = decodeAttention({
      q,
      cache: layout,
      numHeads: 2,
      numKvHeads: 2,
      pos: 7,
      scale: 0.3,
      window: null,
      alibiSlopes: slopes,
    });
    for (let h = 0; h < 2; h++) {
      const keys = Array.from({ length: 8 }, (_, p) => row(layout, 'k', p, h));
      const vals = Array.from({ length: 8 }, (_, p) => row(layout, 'v', p, h));
      const bias = keys.map((_, p) => -slopes[h]! * (7 - p));
      expect(
        maxAbsDiff(
          got.subarray(h * d, h * d + d),
          naiveHead(Array.from(q.subarray(h * d, h * d + d)), keys, vals, 0.3, bias),
        ),
      ).toBeLessThan(1e-6);
    }
  });
});

describe('alibiSlopes', () => {
  it('follows the ALiBi paper: a geometric sequence from 2^(−8/n), interleaved for non-powers of two', () => {
    expect(Array.from(alibiSlopes(8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => 2 ** -i));
    expect(Array.from(alibiSlopes(4))).toEqual([2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8]);
    expect(Array.from(alibiSlopes(6))).toEqual([2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3]);
  });
});

describe('causalAttention (prefill)', () => {
  it('equals decode attention over a cache of the same keys at every position (MHA, GQA, MQA, window, ALiBi)', () => {
    const T = 13;
    const d = 4;
    for (const [Hq, Hkv, window, alibi] of [
      [4, 4, null, false],
      [6, 2, null, false],
      [4, 1, 5, false],
      [3, 3, null, true],
    ] as const) {
      const rng = rngFor(Hq * 10 + Hkv);
      const q = randomArray(rng, T * Hq * d);
      const k = randomArray(rng, T * Hkv * d);
      const v = randomArray(rng, T * Hkv * d);
      const slopes = alibi ? alibiSlopes(Hq) : undefined;
      const full = causalAttention({
        q,
        k,
        v,
        seqLen: T,
        numHeads: Hq,
        numKvHeads: Hkv,
        headDim: d,
        scale: 0.6,
        window,
        ...(slopes ? { alibiSlopes: slopes } : {}),
      });
      const cache: KvLayout = { k, v, kBase: 0, vBase: 0, posStride: Hkv * d, headStride: d, headDim: d };
      for (let t = 0; t < T; t++) {
        const step = decodeAttention({
          q: q.subarray(t * Hq * d, (t + 1) * Hq * d),
          cache,
          numHeads: Hq,
          numKvHeads: Hkv,
          pos: t,
          scale: 0.6,
          window,
          chunks: 1 + (t % 3),
          ...(slopes ? { alibiSlopes: slopes } : {}),
        });
        expect(relativeError(step, full.subarray(t * Hq * d, (t + 1) * Hq * d))).toBeLessThan(1e-6);
      }
    }
  });
});

describe('attentionReduceHead with NaN and ±Inf (the same as the textbook softmax of the forward pass)', () => {
  const d = 2;
  const reduce = (partials: number[], lse: number[]): number[] => {
    const out = new Float32Array(d);
    attentionReduceHead(Float32Array.from(partials), (c) => c * d, lse, d, out, 0);
    return [...out];
  };

  it('a NaN lse makes the head NaN (it was 0: `sum > 0 ? … : 0`)', () => {
    expect(reduce([1, 2, 3, 4], [0.5, Number.NaN])).toEqual([Number.NaN, Number.NaN]);
    expect(reduce([1, 2, 3, 4], [Number.NaN, Number.NaN])).toEqual([Number.NaN, Number.NaN]);
  });

  it('a +Inf lse makes the head NaN (exp(Inf − Inf)), as a +Inf logit does in one pass', () => {
    expect(reduce([1, 2, 3, 4], [Number.POSITIVE_INFINITY, 0])).toEqual([Number.NaN, Number.NaN]);
  });

  it('a NaN partial output survives a weight that underflows to 0 (0 · NaN is NaN)', () => {
    expect(reduce([1, 2, Number.NaN, 4], [0, -2000])).toEqual([Number.NaN, 2]);
  });

  it('empty chunks (lse −∞, output 0) add nothing; all −∞ is 0/0 = NaN, as in one pass', () => {
    expect(reduce([1, 2, 0, 0], [0, Number.NEGATIVE_INFINITY])).toEqual([1, 2]);
    const allEmpty = reduce([0, 0, 0, 0], [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(allEmpty).toEqual([Number.NaN, Number.NaN]);
  });

  it('split decode attention is NaN exactly where causalAttention is, for Inf and NaN in K or V', () => {
    const T = 6;
    const Hq = 2;
    const Hkv = 1;
    const hd = 4;
    const rng = rngFor(1212);
    for (const [where, bad] of [
      ['k', Number.POSITIVE_INFINITY],
      ['k', Number.NEGATIVE_INFINITY],
      ['k', Number.NaN],
      ['v', Number.POSITIVE_INFINITY],
      ['v', Number.NaN],
    ] as const) {
      for (let at = 0; at < T; at++) {
        const q = randomArray(rng, T * Hq * hd);
        const k = randomArray(rng, T * Hkv * hd);
        const v = randomArray(rng, T * Hkv * hd);
        (where === 'k' ? k : v)[at * Hkv * hd + 1] = bad;
        const expected = causalAttention({
          q,
          k,
          v,
          seqLen: T,
          numHeads: Hq,
          numKvHeads: Hkv,
          headDim: hd,
          scale: 0.5,
          window: null,
        });
        const kv = new Float32Array(2 * T * Hkv * hd);
        kv.set(k, 0);
        kv.set(v, T * Hkv * hd);
        const cache = kvCacheLayout(kv, T, Hkv, hd);
        for (const chunks of [1, 2, 3, 8]) {
          for (let pos = 0; pos < T; pos++) {
            const got = decodeAttention({
              q: q.subarray(pos * Hq * hd, (pos + 1) * Hq * hd),
              cache,
              numHeads: Hq,
              numKvHeads: Hkv,
              pos,
              scale: 0.5,
              window: null,
              chunks,
            });
            const want = expected.subarray(pos * Hq * hd, (pos + 1) * Hq * hd);
            const label = `${where}=${bad} at key ${at}, pos ${pos}, ${chunks} chunks`;
            expect([...got].map(Number.isNaN), label).toEqual([...want].map(Number.isNaN));
            expect(
              [...got].map((x) => x === Number.POSITIVE_INFINITY),
              label,
            ).toEqual([...want].map((x) => x === Number.POSITIVE_INFINITY));
          }
        }
      }
    }
  });
});
