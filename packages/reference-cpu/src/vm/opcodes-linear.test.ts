/**
 * Every executable opcode on a hand-built program, checked against the ops (themselves checked
 * against plain formulas). Tolerances: 1e-6 absolute for O(1) outputs where both sides compute in
 * double and store f32; exact equality where both round the same double value.
 */
import { describe, expect, it } from 'vitest';
import { geluTanh, swiglu } from '../maths/activations.js';
import { roundToBf16 } from '../maths/dtype-convert.js';
import { layerNorm } from '../maths/layer-norm.js';
import { matvec } from '../maths/matvec.js';
import { rmsNorm } from '../maths/rms-norm.js';
import { maxAbsDiff, randomArray, rngFor } from '../testing/test-helpers.js';
import { data, Harness, inst } from '../testing/vm-harness.js';
import { VmInstructionError } from './errors.js';

const rng = rngFor(77);
const bf16Array = (n: number, scale = 1): Float32Array => randomArray(rng, n, scale).map(roundToBf16);

describe('linear ops', () => {
  const [N, K] = [13, 37];
  const Wv = bf16Array(N * K);
  const bv = bf16Array(N);
  const xv = randomArray(rng, K);

  it('MATVEC: row tiles and accumulating split-K chunks give x·Wᵀ + bias', () => {
    const h = new Harness();
    const W = h.weight('W', Wv, [N, K], 'bf16');
    const bias = h.weight('b', bv, [N]);
    const x = h.state('x', [K]);
    const y = h.state('y', [N]);
    for (const [rowStart, rowCount] of [
      [0, 6],
      [6, 7],
    ]) {
      h.b.push(0, inst('MATVEC', { x, W, y, bias, rowStart, rowCount, kStart: 0, kCount: 20 }));
      h.b.push(
        0,
        inst('MATVEC', { x, W, y, bias, rowStart, rowCount, kStart: 20, kCount: 0, flags: ['accumulate'] }),
      );
    }
    const run = h.load();
    data(run, x).set(xv);
    run.runStep(0);
    expect(maxAbsDiff(data(run, y), matvec(Wv, xv, N, K, bv))).toBeLessThan(1e-6);
  });

  it('MATVEC into a bf16 tensor stores the bf16 rounding of the f32 result', () => {
    const h = new Harness();
    const W = h.weight('W', Wv, [N, K]);
    const x = h.state('x', [K]);
    const y = h.state('y', [N], 'bf16');
    h.b.push(0, inst('MATVEC', { x, W, y, rowStart: 0, rowCount: N }));
    const run = h.load();
    data(run, x).set(xv);
    run.runStep(0);
    expect(Array.from(data(run, y))).toEqual(Array.from(matvec(Wv, xv, N, K), roundToBf16));
  });

  it('FUSED_MATMUL_RESIDUAL adds the product into the residual stream, bias once', () => {
    const h = new Harness();
    const W = h.weight('W', Wv, [N, K]);
    const bias = h.weight('b', bv, [N]);
    const x = h.state('x', [K]);
    const out = h.state('out', [N]);
    h.b.push(
      0,
      inst('FUSED_MATMUL_RESIDUAL', {
        x,
        W,
        out,
        bias,
        rowStart: 0,
        rowCount: N,
        kStart: 0,
        kCount: 10,
        scale: 0.7,
        flags: ['splitK'],
      }),
    );
    h.b.push(
      1,
      inst('FUSED_MATMUL_RESIDUAL', {
        x,
        W,
        out,
        bias,
        rowStart: 0,
        rowCount: N,
        kStart: 10,
        kCount: 27,
        scale: 0.7,
        flags: ['splitK'],
      }),
    );
    const run = h.load();
    const residual = randomArray(rng, N);
    data(run, x).set(xv);
    data(run, out).set(residual);
    run.runStep(0);
    // The scale (Granite's residual_multiplier) multiplies each split's part before its add.
    const want = matvec(Wv, xv, N, K, bv).map((v, i) => Math.fround(0.7) * v + residual[i]!);
    expect(maxAbsDiff(data(run, out), want)).toBeLessThan(1e-6);
  });

  it('FUSED_NORM_MATMUL is W·norm(x) + bias, RMSNorm or (with layerNorm) LayerNorm with beta', () => {
    const gamma = bf16Array(K);
    const beta = bf16Array(K);
    for (const layer of [false, true]) {
      const h = new Harness();
      const W = h.weight('W', Wv, [N, K]);
      const bias = h.weight('b', bv, [N]);
      const normParams = layer
        ? h.weight('g', Float32Array.from([...gamma, ...beta]), [2, K])
        : h.weight('g', gamma, [1, K]);
      const x = h.state('x', [K]);
      const y = h.state('y', [N]);
      h.b.push(
        0,
        inst('FUSED_NORM_MATMUL', {
          x,
          normParams,
          W,
          bias,
          y,
          rowStart: 0,
          rowCount: 8,
          eps: 1e-5,
          flags: layer ? ['layerNorm'] : [],
        }),
      );
      h.b.push(
        1,
        inst('FUSED_NORM_MATMUL', {
          x,
          normParams,
          W,
          bias,
          y,
          rowStart: 8,
          rowCount: 5,
          eps: 1e-5,
          flags: layer ? ['layerNorm'] : [],
        }),
      );
      const run = h.load();
      data(run, x).set(xv);
      run.runStep(0);
      const n = layer ? layerNorm(xv, gamma, beta, Math.fround(1e-5)) : rmsNorm(xv, gamma, Math.fround(1e-5));
      expect(maxAbsDiff(data(run, y), matvec(Wv, n, N, K, bv))).toBeLessThan(1e-6);
    }
  });

  it('FUSED_NORM_GATE_UP_ACT: silu(gate)·up when gated, gelu_tanh(up) when not', () => {
    const I = 11;
    const Wg = bf16Array(I * K);
    const Wu = bf16Array(I * K);
    const bu = bf16Array(I);
    const h = new Harness();
    const Wgate = h.weight('Wg', Wg, [I, K]);
    const Wup = h.weight('Wu', Wu, [I, K]);
    const upBias = h.weight('bu', bu, [I]);
    const x = h.state('x', [K]);
    const gated = h.state('gated', [I]);
    const plain = h.state('plain', [I]);
    h.b.push(
      0,
      inst('FUSED_NORM_GATE_UP_ACT', {
        x,
        Wgate,
        Wup,
        upBias,
        out: gated,
        rowStart: 0,
        rowCount: I,
        eps: 1e-6,
        flags: ['noWeight', 'gated'],
        activation: 'silu',
      }),
    );
    h.b.push(
      0,
      inst('FUSED_NORM_GATE_UP_ACT', {
        x,
        Wup,
        out: plain,
        rowStart: 0,
        rowCount: I,
        eps: 1e-6,
        flags: ['noWeight'],
        activation: 'gelu_tanh',
      }),
    );
    const run = h.load();
    data(run, x).set(xv);
    run.runStep(0);
    const n = rmsNorm(xv, null, Math.fround(1e-6));
    expect(maxAbsDiff(data(run, gated), swiglu(matvec(Wg, n, I, K), matvec(Wu, n, I, K, bu)))).toBeLessThan(
      1e-6,
    );
    expect(maxAbsDiff(data(run, plain), matvec(Wu, n, I, K).map(geluTanh))).toBeLessThan(1e-6);
  });
});

describe('norms', () => {
  it('RMS_NORM and LAYER_NORM over the whole vector, with and without weights', () => {
    const n = 19;
    const xv = randomArray(rng, n, 3);
    const gamma = bf16Array(n);
    const beta = bf16Array(n);
    const h = new Harness();
    const g1 = h.weight('g1', gamma, [1, n]);
    const g2 = h.weight('g2', Float32Array.from([...gamma, ...beta]), [2, n]);
    const x = h.state('x', [n]);
    const ys = [h.state('y0', [n]), h.state('y1', [n]), h.state('y2', [n])];
    h.b.push(0, inst('RMS_NORM', { x, normParams: g1, y: ys[0], eps: 1e-5 }));
    h.b.push(0, inst('LAYER_NORM', { x, normParams: g2, y: ys[1], eps: 1e-5 }));
    h.b.push(0, inst('LAYER_NORM', { x, y: ys[2], eps: 1e-5, flags: ['noWeight'] }));
    const run = h.load();
    data(run, x).set(xv);
    run.runStep(0);
    const eps = Math.fround(1e-5);
    expect(maxAbsDiff(data(run, ys[0]!), rmsNorm(xv, gamma, eps))).toBe(0);
    expect(maxAbsDiff(data(run, ys[1]!), layerNorm(xv, gamma, beta, eps))).toBe(0);
    expect(maxAbsDiff(data(run, ys[2]!), layerNorm(xv, null, null, eps))).toBe(0);
  });

  it('refuses a beta row for RMSNorm', () => {
    const h = new Harness();
    const g2 = h.weight('g2', new Float32Array(8), [2, 4]);
    h.b.push(0, inst('RMS_NORM', { x: h.state('x', [4]), normParams: g2, y: h.state('y', [4]), eps: 1e-5 }));
    expect(() => h.load().runStep(0)).toThrow(VmInstructionError);
  });
});
