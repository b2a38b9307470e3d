/**
 * Every executable opcode on a hand-built program, checked against the ops (themselves checked
 * against plain formulas). Tolerances: 1e-6 absolute for O(1) outputs where both sides compute in
 * double and store f32; exact equality where both round the same double value.
 */
import { describe, expect, it } from 'vitest';
import { gelu, geluTanh, relu, silu } from '../maths/activations.js';
import { argmax, argmaxKey, argmaxKeyToken } from '../maths/argmax.js';
import { roundToBf16 } from '../maths/dtype-convert.js';
import { matvec } from '../maths/matvec.js';
import { rmsNorm } from '../maths/rms-norm.js';
import { maxAbsDiff, randomArray, rngFor } from '../testing/test-helpers.js';
import { data, Harness, inst } from '../testing/vm-harness.js';
import { missingExecutors } from './executors.js';

const rng = rngFor(77);
const bf16Array = (n: number, scale = 1): Float32Array => randomArray(rng, n, scale).map(roundToBf16);

describe('VM opcode table', () => {
  it('has an executor for every executable opcode', () => {
    expect(missingExecutors()).toEqual([]);
  });
});

describe('memory ops', () => {
  it('CACHE_APPEND writes kv[which, pos] from src[offset ..]', () => {
    const h = new Harness();
    const src = h.state('src', [10]);
    const kv = h.state('kv', [2, 8, 2, 2]);
    h.b.push(0, inst('CACHE_APPEND', { src, kv, offset: 3, which: 1 }));
    const run = h.load();
    data(run, src).set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    run.runStep(5);
    const cache = data(run, kv);
    expect(Array.from(cache.subarray((8 + 5) * 4, (8 + 6) * 4))).toEqual([3, 4, 5, 6]);
    expect(cache.reduce((s, v) => s + v, 0)).toBe(18);
  });

  it('COPY converts dtypes (f32 → bf16 rounds, i32 → f32 exact) and ZERO clears any dtype', () => {
    const h = new Harness();
    const a = h.state('a', [4]);
    const abf = h.state('abf', [4], 'bf16');
    const ints = h.state('ints', [3], 'i32');
    const floats = h.state('floats', [3]);
    const keys = h.state('keys', [4], 'u32');
    h.b.push(0, inst('COPY', { src: a, dst: abf, srcOffset: 1, dstOffset: 0, count: 3 }));
    h.b.push(0, inst('COPY', { src: ints, dst: floats, srcOffset: 0, dstOffset: 0, count: 3 }));
    h.b.push(0, inst('ZERO', { dst: keys, offset: 1, count: 2 }));
    const run = h.load();
    data(run, a).set([9, 1.00390625, 3.3, -7.77]);
    data<Int32Array>(run, ints).set([-5, 16777216, 123]);
    data<Uint32Array>(run, keys).set([1, 2, 3, 4]);
    run.runStep(0);
    expect(Array.from(data(run, abf))).toEqual([1, roundToBf16(3.3), roundToBf16(-7.77), 0]);
    expect(Array.from(data(run, floats))).toEqual([-5, 16777216, 123]);
    expect(Array.from(data<Uint32Array>(run, keys))).toEqual([1, 0, 0, 4]);
  });

  it('EMBED_GATHER: scale · table[token] + positions[pos]; a negative token takes argmax(pos − 1) and is written back', () => {
    const [V, H] = [7, 3];
    const tv = Float32Array.from({ length: V * H }, (_, i) => i);
    const pv = Float32Array.from({ length: 8 * H }, (_, i) => 100 * i);
    const h = new Harness();
    const table = h.weight('table', tv, [V, H]);
    const positions = h.weight('positions', pv, [8, H]);
    const out = h.state('out', [H]);
    h.b.push(
      0,
      inst('EMBED_GATHER', {
        tokens: h.io.tokens,
        table,
        positions,
        out,
        argmax: h.io.argmax,
        scale: 2,
        flags: ['embedFromArgmax'],
      }),
    );
    const run = h.load();
    const tokens = data<Int32Array>(run, h.io.tokens);
    tokens[0] = 4;
    run.runStep(0);
    expect(Array.from(data(run, out))).toEqual([24, 26 + 100, 28 + 200]);
    // pos 1: no token yet; the key of pos 0 says row 5.
    const key = argmaxKey(0.5, 5);
    data<Uint32Array>(run, h.io.argmax).set([key.low, key.high], 0);
    run.runStep(1);
    expect(tokens[1]).toBe(5);
    expect(Array.from(data(run, out))).toEqual([30 + 300, 32 + 400, 34 + 500]);
    tokens[2] = 7; // outside the 7-row table
    expect(() => run.runStep(2)).toThrow(/outside \[0, 7\)/);
  });
});

describe('elementwise ops', () => {
  const n = 16;
  const [av, bv, cv] = [randomArray(rng, n, 3), randomArray(rng, n, 3), randomArray(rng, n, 3)];
  const cases: [
    Parameters<typeof inst>[0],
    number,
    (a: number, b: number, c: number, out: number) => number,
  ][] = [
    ['SILU', 1, (a) => silu(a)],
    ['GELU', 1, (a) => gelu(a)],
    ['GELU_TANH', 1, (a) => geluTanh(a)],
    ['RELU', 1, (a) => relu(a)],
    ['SWIGLU', 2, (a, b) => silu(a) * b],
    ['GEGLU', 2, (a, b) => gelu(a) * b],
    ['ADD', 2, (a, b) => a + b],
    ['MUL', 2, (a, b) => a * b],
    ['RESIDUAL_ADD', 1, (a, _b, _c, out) => out + Math.fround(0.3) * a],
    ['SCALE', 1, (a) => a * Math.fround(0.3)],
    ['ELEMWISE_MUL_ADD', 3, (a, b, c) => a * b + c],
  ];
  for (const [op, inputs, formula] of cases) {
    it(`${op} computes its formula on [offset, offset + count) only`, () => {
      const h = new Harness();
      const ins = ['a', 'b', 'c'].slice(0, inputs).map((name) => h.state(name, [n]));
      const out = h.state('out', [n]);
      const operands: Record<string, unknown> = {
        out,
        offset: 3,
        count: 9,
        ...(op === 'SCALE' || op === 'RESIDUAL_ADD' ? { scale: 0.3 } : {}),
      };
      ['a', 'b', 'c'].slice(0, inputs).forEach((name, i) => {
        operands[name] = ins[i];
      });
      h.b.push(0, inst(op, operands));
      const run = h.load();
      [av, bv, cv].slice(0, inputs).forEach((v, i) => {
        data(run, ins[i]!).set(v);
      });
      const before = Float32Array.from({ length: n }, (_, i) => i - 5);
      data(run, out).set(before);
      run.runStep(0);
      const want = Array.from(before, (o, i) =>
        i >= 3 && i < 12 ? Math.fround(formula(av[i]!, bv[i]!, cv[i]!, o)) : o,
      );
      expect(Array.from(data(run, out))).toEqual(want);
    });
  }
});

describe('argmax ops', () => {
  it('ARGMAX folds tiles into the key of pos: lowest row among equal maxima, suppressToken and NaN skipped', () => {
    const h = new Harness();
    const logits = h.state('logits2', [10]);
    const keys = h.io.argmax;
    h.b.push(0, inst('ARGMAX', { logits, argmax: keys, rowStart: 5, rowCount: 5, suppressToken: 2 }));
    h.b.push(1, inst('ARGMAX', { logits, argmax: keys, rowStart: 0, rowCount: 5, suppressToken: 2 }));
    const run = h.load({ interleaving: 'random', seed: 3, strict: true });
    data(run, logits).set([1, 3, 9, Number.NaN, 3, 0, 3, -1, 2, 3]);
    run.runStep(4);
    const [low, high] = [data<Uint32Array>(run, keys)[8]!, data<Uint32Array>(run, keys)[9]!];
    expect(argmaxKeyToken(low)).toBe(1);
    expect({ low, high }).toEqual(argmaxKey(3, 1));
  });

  it('FUSED_NORM_LM_HEAD_ARGMAX stores the logits and folds their argmax', () => {
    const [V, H] = [21, 8];
    const Wv = bf16Array(V * H);
    const xv = randomArray(rng, H);
    const h = new Harness();
    const W = h.weight('W', Wv, [V, H]);
    const x = h.state('x', [H]);
    const logits = h.state('lm', [V]);
    for (const [rowStart, rowCount] of [
      [0, 8],
      [8, 8],
      [16, 5],
    ] as const) {
      h.b.push(
        rowStart / 8,
        inst('FUSED_NORM_LM_HEAD_ARGMAX', {
          x,
          W,
          logits,
          argmax: h.io.argmax,
          rowStart,
          rowCount,
          suppressToken: 0xffffffff,
          eps: 1e-5,
          scale: 0.5,
          flags: ['noWeight'],
        }),
      );
    }
    const run = h.load();
    data(run, x).set(xv);
    run.runStep(0);
    const want = matvec(Wv, rmsNorm(xv, null, Math.fround(1e-5)), V, H).map((v) => 0.5 * v);
    expect(maxAbsDiff(data(run, logits), want)).toBeLessThan(1e-6);
    expect(argmaxKeyToken(data<Uint32Array>(run, h.io.argmax)[0]!)).toBe(argmax(data(run, logits)));
  });
});
