/**
 * Every executable opcode on a hand-built program, checked against the ops (themselves checked
 * against plain formulas). Tolerances: 1e-6 absolute for O(1) outputs where both sides compute in
 * double and store f32; exact equality where both round the same double value.
 */
import { buildRopeTable, ropeInverseFrequencies } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { decodeAttention, kvCacheLayout } from '../maths/attention.js';
import { roundToBf16 } from '../maths/dtype-convert.js';
import { matvec } from '../maths/matvec.js';
import { rmsNorm } from '../maths/rms-norm.js';
import { applyRope, ropeAngles } from '../maths/rope.js';
import { maxAbsDiff, randomArray, rngFor } from '../testing/test-helpers.js';
import { TINY_CONFIGS } from '../testing/tiny-configs.js';
import { data, HARNESS_CONFIG, Harness, inst } from '../testing/vm-harness.js';

const rng = rngFor(77);
const bf16Array = (n: number, scale = 1): Float32Array => randomArray(rng, n, scale).map(roundToBf16);

describe('attention ops', () => {
  const [Hq, Hkv, d, maxSeq] = [6, 2, 5, 8];
  const kvv = randomArray(rng, 2 * maxSeq * Hkv * d);
  const qv = randomArray(rng, Hq * d);

  function attentionProgram(chunks: number, window: number) {
    const h = new Harness(maxSeq);
    const q = h.state('q', [Hq, d]);
    const kv = h.state('kv', [2, maxSeq, Hkv, d]);
    const out = h.state('out', [Hq, d]);
    const partialO = h.state('partialO', [chunks, Hq, d]);
    const lse = h.state('lse', [chunks, Hq]);
    const done = h.b.counter();
    for (let kvHead = 0; kvHead < Hkv; kvHead++) {
      for (let chunk = 0; chunk < chunks; chunk++) {
        const operands =
          chunks === 1
            ? { q, kv, out, kvHead, chunk: 0, chunks: 1, window, scale: 0.45, flags: ['direct'] }
            : { q, kv, out: partialO, lse, kvHead, chunk, chunks, window, scale: 0.45 };
        h.b.push(kvHead, inst('ATTENTION_PARTIAL', operands, { signal: done }));
      }
    }
    if (chunks > 1) {
      h.b.push(
        2,
        inst(
          'ATTENTION_REDUCE',
          { partialO, lse, out, headStart: 0, headCount: 4 },
          { wait0: { counter: done, target: Hkv * chunks } },
        ),
      );
      h.b.push(
        3,
        inst(
          'ATTENTION_REDUCE',
          { partialO, lse, out, headStart: 4, headCount: 2 },
          { wait0: { counter: done, target: Hkv * chunks } },
        ),
      );
    }
    const run = h.load();
    data(run, q).set(qv);
    data(run, kv).set(kvv);
    return { run, out, partialO, lse };
  }

  for (const [chunks, window, pos] of [
    [1, 0, 5],
    [3, 0, 6],
    [3, 4, 7],
    [4, 0, 1],
  ] as const) {
    it(`ATTENTION_PARTIAL (${chunks} chunk(s), window ${window}) and ATTENTION_REDUCE equal decode attention at pos ${pos}`, () => {
      const { run, out } = attentionProgram(chunks, window);
      run.runStep(pos);
      const want = decodeAttention({
        q: qv,
        cache: kvCacheLayout(kvv, maxSeq, Hkv, d),
        numHeads: Hq,
        numKvHeads: Hkv,
        pos,
        scale: Math.fround(0.45),
        window: window || null,
      });
      expect(maxAbsDiff(data(run, out), want)).toBeLessThan(1e-6);
    });
  }

  it('ATTENTION_PARTIAL writes O = 0 and LSE = −∞ for an empty chunk', () => {
    const { run, partialO, lse } = attentionProgram(4, 0);
    run.runStep(1); // 2 visible keys over 4 chunks: chunks 0 and 2 are empty
    expect(data(run, lse)[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(Array.from(data(run, partialO).subarray(0, d))).toEqual([0, 0, 0, 0, 0]);
    expect(Number.isFinite(data(run, lse)[Hq]!)).toBe(true);
  });

  it('ROPE_EMBED rotates interleaved pairs with the program rope table at pos', () => {
    const c = HARNESS_CONFIG;
    const h = new Harness(maxSeq);
    const x = h.state('x', [3, c.headDim]);
    const rope = h.b.tensor({
      name: 'rope',
      shape: [maxSeq, c.headDim / 2, 2],
      init: { kind: 'rope-table' },
    });
    h.b.push(0, inst('ROPE_EMBED', { x, rope, headStart: 1, headCount: 2 }));
    const run = h.load();
    const xv = randomArray(rng, 3 * c.headDim);
    data(run, x).set(xv);
    run.runStep(6);
    const want = applyRope(
      xv.slice(),
      c.headDim,
      ropeAngles(ropeInverseFrequencies(c), 6),
      'interleaved',
      1,
      2,
    );
    expect(maxAbsDiff(data(run, x), want)).toBeLessThan(1e-6);
    expect(Array.from(data(run, rope))).toEqual(Array.from(buildRopeTable(c, maxSeq)));
  });

  it('FUSED_NORM_QKV_ROPE: Q rows (rotated) to q, K rows (rotated) and V rows to the cache at pos', () => {
    // Partial rotary: RoPE turns 4 of the 8 dims of each head.
    const c = TINY_CONFIGS['partial-rotary-gelu']!;
    const [qh, kvh, hd, K] = [2, 1, c.headDim, 9];
    const rows = (qh + 2 * kvh) * hd;
    const Wv = bf16Array(rows * K);
    const bv = bf16Array(rows);
    const xv = randomArray(rng, K);
    const h = new Harness(maxSeq, c);
    const W = h.weight('W', Wv, [rows, K]);
    const bias = h.weight('b', bv, [rows]);
    const x = h.state('x', [K]);
    const q = h.state('q', [qh, hd]);
    const kv = h.state('kv', [2, maxSeq, kvh, hd]);
    const rope = h.b.tensor({ name: 'rope', shape: [maxSeq, 2, 2], init: { kind: 'rope-table' } });
    const common = { x, W, bias, q, kv, rope, eps: 1e-5, flags: ['noWeight'] };
    h.b.push(0, inst('FUSED_NORM_QKV_ROPE', { ...common, rowStart: 0, rowCount: 6 }));
    h.b.push(1, inst('FUSED_NORM_QKV_ROPE', { ...common, rowStart: 6, rowCount: rows - 6 }));
    const run = h.load();
    data(run, x).set(xv);
    run.runStep(3);
    const y = matvec(Wv, rmsNorm(xv, null, Math.fround(1e-5)), rows, K, bv);
    const angles = ropeAngles(ropeInverseFrequencies(c), 3);
    const qWant = applyRope(y.slice(0, 2 * hd), hd, angles, 'interleaved');
    const kWant = applyRope(y.slice(2 * hd, 3 * hd), hd, angles, 'interleaved');
    expect(maxAbsDiff(data(run, q), qWant)).toBeLessThan(1e-6);
    const cache = data(run, kv);
    expect(maxAbsDiff(cache.subarray(3 * hd, 4 * hd), kWant)).toBeLessThan(1e-6);
    expect(
      maxAbsDiff(cache.subarray((maxSeq + 3) * hd, (maxSeq + 4) * hd), y.subarray(3 * hd, 4 * hd)),
    ).toBeLessThan(1e-6);
    expect(cache.subarray(0, 3 * hd).every((v) => v === 0)).toBe(true);
  });

  it('FUSED_NORM_QKV_ROPE refuses a tile that splits a RoPE pair', () => {
    const c = TINY_CONFIGS['partial-rotary-gelu']!;
    const h = new Harness(maxSeq, c);
    const W = h.weight('W', new Float32Array(32 * 3), [32, 3]);
    const rope = h.b.tensor({ name: 'rope', shape: [maxSeq, 2, 2], init: { kind: 'rope-table' } });
    const operands = {
      x: h.state('x', [3]),
      W,
      q: h.state('q', [2, 8]),
      kv: h.state('kv', [2, maxSeq, 1, 8]),
      rope,
      eps: 1e-5,
      flags: ['noWeight'],
    };
    h.b.push(0, inst('FUSED_NORM_QKV_ROPE', { ...operands, rowStart: 0, rowCount: 3 }));
    expect(() => h.load().runStep(0)).toThrow(/split across tiles/);
    // Rows past the rotary part (4..7 of each head) may be split freely.
    const ok = new Harness(maxSeq, c);
    const W2 = ok.weight('W', new Float32Array(32 * 3), [32, 3]);
    const rope2 = ok.b.tensor({ name: 'rope', shape: [maxSeq, 2, 2], init: { kind: 'rope-table' } });
    const ops2 = {
      x: ok.state('x', [3]),
      W: W2,
      q: ok.state('q', [2, 8]),
      kv: ok.state('kv', [2, maxSeq, 1, 8]),
      rope: rope2,
      eps: 1e-5,
      flags: ['noWeight'],
    };
    ok.b.push(0, inst('FUSED_NORM_QKV_ROPE', { ...ops2, rowStart: 0, rowCount: 5 }));
    expect(() => ok.load().runStep(0)).not.toThrow();
  });
});
