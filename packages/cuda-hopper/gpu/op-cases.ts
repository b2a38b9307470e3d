/**
 * One hand-built program per op configuration: sizes that are and are not multiples of the tiles
 * (16-row blocks, 8-element vectors), several queues adding into the same rows, every norm,
 * activation, KV dtype and attention layout the scheduler can emit, and the remaining ops.
 */
import {
  ACTIVATION_CODES,
  ACTIVATION_SHIFT,
  FLAG_ACCUMULATE,
  FLAG_ATTN_DIRECT,
  FLAG_GATED,
  FLAG_HEAD_NORM_JOINT,
  FLAG_MOE_NORMALIZE,
  FLAG_MOE_WEIGHTED,
  FLAG_NORM_LAYER,
  FLAG_SPLIT_K,
  NONE16,
  Op,
  type TensorDtype,
} from '@megakernel/isa';
import { OpProgramBuilder, type OpTestProgram } from './op-program.js';

export interface OpCase {
  readonly name: string;
  /** Relative tolerance on max |gpu - cpu| / max |cpu| (fp32 accumulation order; bf16 stores). */
  readonly tol: number;
  /** Decode positions to run (ops reading `pos` are checked at each). */
  readonly positions: number;
  readonly build: () => OpTestProgram;
  /** The argmax key of each position must pick argmax(output[offset, offset+count)) without `suppress`. */
  readonly argmax?: { readonly offset: number; readonly count: number; readonly suppress: readonly number[] };
}

const tiles = (n: number, cuts: number[]): [number, number][] => {
  const b = [0, ...cuts.filter((c) => c > 0 && c < n), n];
  return b.slice(0, -1).map((s, i) => [s, b[i + 1]! - s]);
};

function qkvCase(o: {
  K: number;
  Hq: number;
  Hkv: number;
  d: number;
  rot: number;
  cuts: number[];
  bias: boolean;
  layer: boolean;
  kv: TensorDtype;
  queues: number;
}): OpCase {
  return {
    name: `FUSED_NORM_QKV_ROPE K=${o.K} Hq=${o.Hq} Hkv=${o.Hkv} d=${o.d} rot=${o.rot} ${o.layer ? 'LN' : 'RMS'}${o.bias ? '+bias' : ''} kv=${o.kv}`,
    tol: o.kv === 'bf16' ? 1e-2 : 2e-3,
    positions: 4,
    build: () => {
      const maxSeq = 4;
      const b = new OpProgramBuilder(maxSeq, o.K * 7 + o.d, {
        headDim: o.d,
        numHeads: o.Hq,
        numKvHeads: o.Hkv,
        hiddenSize: o.K,
        partialRotaryFactor: o.rot / o.d,
        ropeTheta: 10000,
        ropeScaling: { type: 'none' },
        position: o.rot ? 'rope' : 'learned',
      });
      const N = (o.Hq + 2 * o.Hkv) * o.d;
      const x = b.input('x', 'f32', [o.K], 2);
      const norm = b.input('norm', 'bf16', [o.layer ? 2 : 1, o.K], 0.5, 1);
      const W = b.input('W', 'bf16', [N, o.K], 1 / Math.sqrt(o.K));
      const bias = o.bias ? b.input('bias', 'bf16', [N], 0.5) : NONE16;
      const q = b.state('q', 'f32', [o.Hq, o.d]);
      const kv = b.state('kv', o.kv, [2, maxSeq, o.Hkv, o.d]);
      const rope = o.rot ? b.state('rope', 'f32', [maxSeq, o.rot / 2, 2], { kind: 'rope-table' }) : NONE16;
      const done = b.counter();
      const ts = tiles(N, o.cuts);
      ts.forEach(([a0, a1], i) => {
        b.push(
          i % o.queues,
          b.inst(Op.FUSED_NORM_QKV_ROPE, {
            flags: o.layer ? FLAG_NORM_LAYER : 0,
            t0: x,
            t1: norm,
            t2: W,
            t3: bias,
            t4: q,
            t5: kv,
            t6: rope,
            a0,
            a1,
            f0: 1e-5,
            signalCounter: done,
          }),
        );
      });
      b.output(q, o.Hq * o.d, done, ts.length);
      b.output(kv, 2 * maxSeq * o.Hkv * o.d, done, ts.length);
      return b.build();
    },
  };
}

function residualCase(o: {
  N: number;
  K: number;
  rowCuts: number[];
  kCuts: number[];
  bias: boolean;
  x: TensorDtype;
  queues: number;
}): OpCase {
  const split = o.kCuts.length > 0;
  return {
    name: `FUSED_MATMUL_RESIDUAL N=${o.N} K=${o.K} rows/${o.rowCuts.length + 1} k/${o.kCuts.length + 1}${o.bias ? '+bias' : ''} x=${o.x}`,
    tol: 2e-3,
    positions: 2,
    build: () => {
      const b = new OpProgramBuilder(2, o.N + o.K);
      const x = b.input('x', o.x, [o.K], 1);
      const W = b.input('W', 'bf16', [o.N, o.K], 1 / Math.sqrt(o.K));
      const bias = o.bias ? b.input('bias', 'bf16', [o.N], 0.5) : NONE16;
      const out = b.state('out', 'f32', [o.N]);
      const done = b.counter();
      let n = 0;
      for (const [a0, a1] of tiles(o.N, o.rowCuts)) {
        for (const [a2, a3] of tiles(o.K, o.kCuts)) {
          b.push(
            n % o.queues,
            b.inst(Op.FUSED_MATMUL_RESIDUAL, {
              flags: split ? FLAG_SPLIT_K : 0,
              t0: x,
              t1: W,
              t2: out,
              t3: bias,
              a0,
              a1,
              a2,
              a3: split ? a3 : 0,
              f0: 0.75, // residual scale (Granite's residual_multiplier; 1 elsewhere)
              signalCounter: done,
            }),
          );
          n++;
        }
      }
      b.output(out, o.N, done, n);
      return b.build();
    },
  };
}

function gateUpCase(o: {
  I: number;
  K: number;
  gated: boolean;
  act: keyof typeof ACTIVATION_CODES;
  layer: boolean;
  bias: boolean;
  cuts: number[];
  queues: number;
}): OpCase {
  return {
    name: `FUSED_NORM_GATE_UP_ACT I=${o.I} K=${o.K} ${o.gated ? 'gated' : 'plain'} ${o.act} ${o.layer ? 'LN' : 'RMS'}${o.bias ? '+bias' : ''}`,
    tol: 2e-3,
    positions: 1,
    build: () => {
      const b = new OpProgramBuilder(2, o.I * 3 + o.K);
      const x = b.input('x', 'f32', [o.K], 2);
      const norm = b.input('norm', 'bf16', [o.layer ? 2 : 1, o.K], 0.5, 1);
      const gate = o.gated ? b.input('gate', 'bf16', [o.I, o.K], 2 / Math.sqrt(o.K)) : NONE16;
      const up = b.input('up', 'bf16', [o.I, o.K], 2 / Math.sqrt(o.K));
      const gb = o.bias && o.gated ? b.input('gb', 'bf16', [o.I], 0.5) : NONE16;
      const ub = o.bias ? b.input('ub', 'bf16', [o.I], 0.5) : NONE16;
      const out = b.state('act', 'f32', [o.I]);
      const done = b.counter();
      const ts = tiles(o.I, o.cuts);
      ts.forEach(([a0, a1], i) => {
        b.push(
          i % o.queues,
          b.inst(Op.FUSED_NORM_GATE_UP_ACT, {
            flags:
              (o.layer ? FLAG_NORM_LAYER : 0) |
              (o.gated ? FLAG_GATED : 0) |
              (ACTIVATION_CODES[o.act] << ACTIVATION_SHIFT),
            t0: x,
            t1: norm,
            t2: gate,
            t3: up,
            t4: gb,
            t5: ub,
            t6: out,
            a0,
            a1,
            f0: 1e-5,
            signalCounter: done,
          }),
        );
      });
      b.output(out, o.I, done, ts.length);
      return b.build();
    },
  };
}

function lmHeadCase(o: { V: number; K: number; cuts: number[]; queues: number; suppress: number }): OpCase {
  return {
    name: `FUSED_NORM_LM_HEAD_ARGMAX V=${o.V} K=${o.K} tiles=${o.cuts.length + 1} suppress=${o.suppress}`,
    tol: 2e-3,
    positions: 2,
    argmax: { offset: 0, count: o.V, suppress: [o.suppress] },
    build: () => {
      const b = new OpProgramBuilder(2, o.V + o.K);
      const x = b.input('x', 'f32', [o.K], 2);
      const norm = b.input('norm', 'bf16', [1, o.K], 0.5, 1);
      const W = b.input('W', 'bf16', [o.V, o.K], 1 / Math.sqrt(o.K));
      const logits = b.state('lm', 'f32', [o.V]);
      const done = b.counter();
      const ts = tiles(o.V, o.cuts);
      ts.forEach(([a0, a1], i) => {
        b.push(
          i % o.queues,
          b.inst(Op.FUSED_NORM_LM_HEAD_ARGMAX, {
            t0: x,
            t1: norm,
            t2: W,
            t4: logits,
            t5: b.argmax,
            a0,
            a1,
            a2: o.suppress,
            f0: 1e-5,
            f1: 0.5, // logits scale
            signalCounter: done,
          }),
        );
      });
      b.output(logits, o.V, done, ts.length);
      return b.build();
    },
  };
}

function attentionCase(o: {
  Hq: number;
  Hkv: number;
  d: number;
  maxSeq: number;
  chunks: number;
  window: number;
  kv: TensorDtype;
  queues: number;
  /** Logit soft-cap (Gemma 2); 0 for none. */
  softcap?: number;
}): OpCase {
  const f1 = o.softcap ?? 0;
  return {
    name: `ATTENTION Hq=${o.Hq} Hkv=${o.Hkv} d=${o.d} chunks=${o.chunks} window=${o.window} kv=${o.kv} T=${o.maxSeq}${f1 ? ` softcap=${f1}` : ''}`,
    tol: 2e-3,
    positions: o.maxSeq,
    build: () => {
      const b = new OpProgramBuilder(o.maxSeq, o.d * 31 + o.chunks);
      const q = b.input('q', 'f32', [o.Hq, o.d], 1);
      const kv = b.input('kv', o.kv, [2, o.maxSeq, o.Hkv, o.d], 1);
      const out = b.state('attn', 'f32', [o.Hq, o.d]);
      const scale = 1 / Math.sqrt(o.d);
      const g = o.Hq / o.Hkv;
      if (o.chunks === 1) {
        const done = b.counter();
        for (let h = 0; h < o.Hkv; h++) {
          b.push(
            h % o.queues,
            b.inst(Op.ATTENTION_PARTIAL, {
              flags: FLAG_ATTN_DIRECT,
              t0: q,
              t1: kv,
              t2: out,
              a0: h,
              a1: 0,
              a2: 1,
              a3: o.window,
              f0: scale,
              f1,
              signalCounter: done,
            }),
          );
        }
        b.output(out, o.Hq * o.d, done, o.Hkv);
      } else {
        const po = b.state('partialO', 'f32', [o.chunks, o.Hq, o.d]);
        const lse = b.state('lse', 'f32', [o.chunks, o.Hq]);
        const partial = b.counter();
        const done = b.counter();
        let n = 0;
        for (let h = 0; h < o.Hkv; h++) {
          for (let c = 0; c < o.chunks; c++) {
            b.push(
              n++ % o.queues,
              b.inst(Op.ATTENTION_PARTIAL, {
                t0: q,
                t1: kv,
                t2: po,
                t3: lse,
                a0: h,
                a1: c,
                a2: o.chunks,
                a3: o.window,
                f0: scale,
                f1,
                signalCounter: partial,
              }),
            );
          }
        }
        for (let h = 0; h < o.Hkv; h++) {
          b.push(
            (n + h) % o.queues,
            b.inst(Op.ATTENTION_REDUCE, {
              t0: po,
              t1: lse,
              t2: out,
              a0: h * g,
              a1: g,
              wait0Counter: partial,
              wait0Target: n,
              signalCounter: done,
            }),
          );
        }
        b.output(out, o.Hq * o.d, done, o.Hkv);
      }
      return b.build();
    },
  };
}

function embedCase(): OpCase {
  return {
    name: 'EMBED_GATHER with learned positions and scale',
    tol: 1e-6,
    positions: 6,
    build: () => {
      const b = new OpProgramBuilder(6, 3);
      const table = b.input('table', 'bf16', [50, 72], 1);
      const positions = b.input('positions', 'f32', [6, 72], 1);
      const out = b.state('hidden', 'f32', [72]);
      const done = b.counter();
      b.push(
        0,
        b.inst(Op.EMBED_GATHER, {
          t0: b.tokens,
          t1: table,
          t2: positions,
          t3: out,
          f0: 2,
          signalCounter: done,
        }),
      );
      b.output(out, 72, done, 1);
      return b.build();
    },
  };
}

/** Single-queue chains of the ops the fused lowering does not emit. */
function miscCase(
  name: string,
  body: (b: OpProgramBuilder, done: number) => { out: number; count: number; n: number },
): OpCase {
  return {
    name,
    tol: 2e-3,
    positions: 3,
    build: () => {
      const b = new OpProgramBuilder(3, name.length);
      const done = b.counter();
      const { out, count, n } = body(b, done);
      b.output(out, count, done, n);
      return b.build();
    },
  };
}

/**
 * MATMUL (prefill products) on x [T, K]: bf16 x takes the tensor cores (TMA tiles, wgmma; both VMs
 * multiply the same bf16 values exactly in f32, so only the accumulation order differs), f32 x the
 * CUDA cores. Row tiles over several queues with N = 16 to 128, token ranges split at 128, K with a
 * partial last 64-column step, a K split added with accumulate, and a bias.
 */
function matmulCase(o: {
  x: 'bf16' | 'f32';
  T: number;
  K: number;
  N: number;
  rowCuts: number[];
  tokenCuts: number[];
  kSplit?: number;
  queues: number;
}): OpCase {
  const name = `MATMUL x=${o.x} T=${o.T} K=${o.K} N=${o.N} rows ${o.rowCuts.join('/') || 'whole'} tokens ${o.tokenCuts.join('/') || 'whole'}${o.kSplit ? ` k split ${o.kSplit}` : ''}`;
  return {
    name,
    tol: 1e-4,
    positions: 2,
    build: () => {
      // One step holds T tokens; a step at pos0 = 0 or 1 needs T + 1 positions.
      const b = new OpProgramBuilder(o.T + 1, o.T + o.K + o.N);
      b.tokensPerStep = o.T;
      const x = b.input('x', o.x, [o.T, o.K], 1);
      const W = b.input('W', 'bf16', [o.N, o.K], 1 / Math.sqrt(o.K));
      const bias = b.input('bias', 'f32', [o.N], 0.5);
      const y = b.state('y', 'f32', [o.T, o.N]);
      const done = b.counter();
      let n = 0;
      tiles(o.N, o.rowCuts).forEach(([a0, a1], i) => {
        for (const [token, b0] of tiles(o.T, o.tokenCuts)) {
          const q = (i + token) % o.queues;
          const base = { t0: x, t1: W, t2: y, t3: bias, a0, a1, token, b0 };
          if (o.kSplit) {
            b.push(q, b.inst(Op.MATMUL, { ...base, a2: 0, a3: o.kSplit }));
            b.push(
              q,
              b.inst(Op.MATMUL, {
                ...base,
                flags: FLAG_ACCUMULATE,
                a2: o.kSplit,
                a3: 0,
                signalCounter: done,
              }),
            );
          } else {
            b.push(q, b.inst(Op.MATMUL, { ...base, signalCounter: done }));
          }
          n++;
        }
      });
      b.output(y, o.T * o.N, done, n);
      return b.build();
    },
  };
}

/**
 * Mixtral's experts: MOE_ROUTE on queue 0 picks 2 of 5 experts, each slot's gate product is split over
 * queues 1 and 2 (whose loaders must wait for the route before streaming the chosen expert's rows), then
 * queue 0 adds both slots' weighted down products. Rows and K not multiples of anything.
 */
function moeCase(): OpCase {
  const name = 'MOE_ROUTE + MOE_MATVEC: 2 of 5 experts, gate rows over 2 queues, weighted down';
  return {
    name,
    tol: 2e-3,
    positions: 3,
    build: () => {
      const b = new OpProgramBuilder(3, 77, { moe: { numExperts: 5, topK: 2, normalizeTopK: true } });
      const done = b.counter();
      const routed = b.counter();
      const products = b.counter();
      const logits = b.input('logits', 'f32', [5], 2);
      const route = b.state('route', 'f32', [4]);
      const x = b.input('x', 'f32', [100], 1);
      const Wg = b.input('Wg', 'bf16', [5, 44, 100], 0.1);
      const Wd = b.input('Wd', 'bf16', [5, 100, 44], 0.1);
      const h = [b.state('h0', 'f32', [44]), b.state('h1', 'f32', [44])];
      const out = b.state('out', 'f32', [100]);
      b.push(
        0,
        b.inst(Op.MOE_ROUTE, {
          flags: FLAG_MOE_NORMALIZE,
          t0: logits,
          t1: route,
          a0: 2,
          signalCounter: routed,
        }),
      );
      for (const slot of [0, 1]) {
        for (const [q, a0, a1] of [
          [1, 0, 28],
          [2, 28, 16],
        ] as const) {
          b.push(
            q,
            b.inst(Op.MOE_MATVEC, {
              t0: x,
              t1: Wg,
              t2: h[slot]!,
              t3: route,
              a0,
              a1,
              b0: slot,
              wait0Counter: routed,
              wait0Target: 1,
              signalCounter: products,
            }),
          );
        }
      }
      for (const slot of [0, 1]) {
        b.push(
          0,
          b.inst(Op.MOE_MATVEC, {
            flags: FLAG_MOE_WEIGHTED | (slot === 1 ? FLAG_ACCUMULATE : 0),
            t0: h[slot]!,
            t1: Wd,
            t2: out,
            t3: route,
            a0: 0,
            a1: 100,
            b0: slot,
            wait0Counter: products,
            wait0Target: 4,
            ...(slot === 1 ? { signalCounter: done } : {}),
          }),
        );
      }
      b.output(out, 100, done, 1);
      return b.build();
    },
  };
}

export function opCases(): OpCase[] {
  const cases: OpCase[] = [
    qkvCase({
      K: 64,
      Hq: 4,
      Hkv: 2,
      d: 16,
      rot: 16,
      cuts: [16, 48],
      bias: false,
      layer: false,
      kv: 'bf16',
      queues: 3,
    }),
    qkvCase({
      K: 2048,
      Hq: 8,
      Hkv: 2,
      d: 64,
      rot: 64,
      cuts: [32, 130, 400, 512, 600],
      bias: false,
      layer: false,
      kv: 'bf16',
      queues: 4,
    }),
    qkvCase({
      K: 776,
      Hq: 4,
      Hkv: 4,
      d: 24,
      rot: 12,
      cuts: [10, 100],
      bias: true,
      layer: true,
      kv: 'f32',
      queues: 2,
    }),
    qkvCase({
      K: 100,
      Hq: 2,
      Hkv: 1,
      d: 8,
      rot: 8,
      cuts: [6],
      bias: true,
      layer: false,
      kv: 'bf16',
      queues: 2,
    }),
    qkvCase({
      K: 96,
      Hq: 3,
      Hkv: 3,
      d: 16,
      rot: 0,
      cuts: [50],
      bias: true,
      layer: true,
      kv: 'bf16',
      queues: 2,
    }),
    residualCase({ N: 64, K: 64, rowCuts: [], kCuts: [], bias: true, x: 'f32', queues: 1 }),
    residualCase({ N: 300, K: 1000, rowCuts: [150], kCuts: [400], bias: true, x: 'f32', queues: 3 }),
    residualCase({
      N: 2048,
      K: 8192,
      rowCuts: [512, 1024, 1536],
      kCuts: [1024, 2048, 3072, 4096, 5120, 6144, 7168],
      bias: false,
      x: 'f32',
      queues: 16,
    }),
    residualCase({ N: 77, K: 100, rowCuts: [40], kCuts: [], bias: false, x: 'bf16', queues: 2 }),
    residualCase({ N: 40, K: 8192, rowCuts: [], kCuts: [], bias: false, x: 'f32', queues: 1 }),
    gateUpCase({ I: 96, K: 64, gated: true, act: 'silu', layer: false, bias: false, cuts: [48], queues: 2 }),
    gateUpCase({
      I: 3072,
      K: 768,
      gated: false,
      act: 'gelu_tanh',
      layer: true,
      bias: true,
      cuts: [700, 1500, 2300],
      queues: 4,
    }),
    gateUpCase({ I: 5000, K: 64, gated: true, act: 'gelu', layer: false, bias: true, cuts: [], queues: 1 }),
    gateUpCase({
      I: 100,
      K: 48,
      gated: false,
      act: 'relu',
      layer: false,
      bias: false,
      cuts: [30],
      queues: 2,
    }),
    lmHeadCase({ V: 1000, K: 64, cuts: [100, 333, 700], queues: 4, suppress: 0xffffffff }),
    lmHeadCase({ V: 50257, K: 768, cuts: [20000, 40000], queues: 3, suppress: 7 }),
    attentionCase({ Hq: 4, Hkv: 2, d: 16, maxSeq: 40, chunks: 1, window: 0, kv: 'bf16', queues: 2 }),
    attentionCase({ Hq: 32, Hkv: 8, d: 64, maxSeq: 70, chunks: 3, window: 0, kv: 'bf16', queues: 8 }),
    attentionCase({ Hq: 8, Hkv: 2, d: 128, maxSeq: 40, chunks: 2, window: 8, kv: 'bf16', queues: 3 }),
    attentionCase({ Hq: 6, Hkv: 1, d: 24, maxSeq: 33, chunks: 4, window: 0, kv: 'f32', queues: 4 }),
    attentionCase({ Hq: 5, Hkv: 5, d: 20, maxSeq: 12, chunks: 1, window: 5, kv: 'bf16', queues: 2 }),
    attentionCase({ Hq: 7, Hkv: 1, d: 64, maxSeq: 300, chunks: 5, window: 0, kv: 'bf16', queues: 5 }),
    // Gemma 2's soft-cap, small enough to bend the logits: the fast path (bf16, d = 64) and the general one (f32, d = 24).
    attentionCase({
      Hq: 8,
      Hkv: 4,
      d: 64,
      maxSeq: 50,
      chunks: 3,
      window: 6,
      kv: 'bf16',
      queues: 4,
      softcap: 0.5,
    }),
    attentionCase({
      Hq: 6,
      Hkv: 1,
      d: 24,
      maxSeq: 33,
      chunks: 1,
      window: 0,
      kv: 'f32',
      queues: 2,
      softcap: 0.5,
    }),
    // head_dim 256 (Gemma, Gemma 2): the general path with 2 heads per pass; MQA over 8 heads (4 passes), and
    // a windowed, soft-capped f32 case with an odd group.
    attentionCase({ Hq: 8, Hkv: 1, d: 256, maxSeq: 45, chunks: 3, window: 0, kv: 'bf16', queues: 3 }),
    attentionCase({
      Hq: 6,
      Hkv: 2,
      d: 256,
      maxSeq: 21,
      chunks: 1,
      window: 7,
      kv: 'f32',
      queues: 2,
      softcap: 0.5,
    }),
    embedCase(),
    moeCase(),
    matmulCase({ x: 'bf16', T: 100, K: 200, N: 40, rowCuts: [16], tokenCuts: [], queues: 3 }),
    matmulCase({ x: 'bf16', T: 130, K: 64, N: 136, rowCuts: [128], tokenCuts: [128], queues: 4 }),
    matmulCase({ x: 'bf16', T: 7, K: 192, N: 24, rowCuts: [], tokenCuts: [], kSplit: 128, queues: 1 }),
    matmulCase({ x: 'f32', T: 9, K: 100, N: 30, rowCuts: [13], tokenCuts: [5], kSplit: 40, queues: 2 }),
    miscCase('MATVEC accumulate+bias, k range', (b, done) => {
      const x = b.input('x', 'f32', [200], 1);
      const W = b.input('W', 'bf16', [50, 200], 0.1);
      const bias = b.input('bias', 'f32', [50], 1);
      const y = b.state('y', 'f32', [50]);
      b.push(0, b.inst(Op.MATVEC, { t0: x, t1: W, t2: y, t3: bias, a0: 0, a1: 50, a2: 0, a3: 120 }));
      b.push(
        0,
        b.inst(Op.MATVEC, {
          flags: FLAG_ACCUMULATE,
          t0: x,
          t1: W,
          t2: y,
          t3: bias,
          a0: 0,
          a1: 50,
          a2: 120,
          a3: 80,
          signalCounter: done,
        }),
      );
      return { out: y, count: 50, n: 1 };
    }),
    miscCase('FUSED_NORM_MATMUL LayerNorm+bias', (b, done) => {
      const x = b.input('x', 'f32', [64], 3);
      const norm = b.input('norm', 'f32', [2, 64], 0.5, 1);
      const W = b.input('W', 'bf16', [33, 64], 0.2);
      const bias = b.input('bias', 'bf16', [33], 1);
      const y = b.state('y', 'f32', [33]);
      b.push(
        0,
        b.inst(Op.FUSED_NORM_MATMUL, {
          flags: FLAG_NORM_LAYER,
          t0: x,
          t1: norm,
          t2: W,
          t3: bias,
          t4: y,
          a0: 0,
          a1: 33,
          f0: 1e-5,
          signalCounter: done,
        }),
      );
      return { out: y, count: 33, n: 1 };
    }),
    miscCase('RMS_NORM then LAYER_NORM', (b, done) => {
      const x = b.input('x', 'f32', [300], 3);
      const g = b.input('g', 'bf16', [1, 300], 0.5, 1);
      const gb = b.input('gb', 'f32', [2, 300], 0.5, 1);
      const y = b.state('y', 'f32', [300]);
      const z = b.state('z', 'f32', [300]);
      b.push(0, b.inst(Op.RMS_NORM, { t0: x, t1: g, t2: y, f0: 1e-6 }));
      b.push(0, b.inst(Op.LAYER_NORM, { t0: y, t1: gb, t2: z, f0: 1e-5, signalCounter: done }));
      return { out: z, count: 300, n: 1 };
    }),
    miscCase('HEAD_RMS_NORM on heads 1-5 of 6 (d = 72, not a warp multiple)', (b, done) => {
      const src = b.input('src', 'f32', [6, 72], 3);
      const x = b.state('x', 'f32', [6, 72]);
      const g = b.input('g', 'bf16', [1, 72], 0.5, 1);
      b.push(0, b.inst(Op.COPY, { t0: src, t1: x, a0: 0, a1: 0, a2: 6 * 72 }));
      b.push(0, b.inst(Op.HEAD_RMS_NORM, { t0: x, t1: g, a0: 1, a1: 5, f0: 1e-6, signalCounter: done }));
      return { out: x, count: 6 * 72, n: 1 };
    }),
    // OLMo-2's q/k norm: one RMS over 5 heads of 72 (360 elements, not a multiple of the 480 consumer threads).
    miscCase('HEAD_RMS_NORM joint over heads 1-5 of 6 (gamma [1, 360])', (b, done) => {
      const src = b.input('src', 'f32', [6, 72], 3);
      const x = b.state('x', 'f32', [6, 72]);
      const g = b.input('g', 'bf16', [1, 360], 0.5, 1);
      b.push(0, b.inst(Op.COPY, { t0: src, t1: x, a0: 0, a1: 0, a2: 6 * 72 }));
      b.push(
        0,
        b.inst(Op.HEAD_RMS_NORM, {
          flags: FLAG_HEAD_NORM_JOINT,
          t0: x,
          t1: g,
          a0: 1,
          a1: 5,
          f0: 1e-6,
          signalCounter: done,
        }),
      );
      return { out: x, count: 6 * 72, n: 1 };
    }),
    miscCase('COPY, ROPE_EMBED, CACHE_APPEND, ZERO', (b, done) => {
      const src = b.input('src', 'f32', [4, 16], 1);
      const x = b.state('x', 'f32', [4, 16]);
      const rope = b.state('rope', 'f32', [3, 8, 2], { kind: 'rope-table' });
      const kv = b.state('kv', 'bf16', [2, 3, 2, 16]);
      b.push(0, b.inst(Op.COPY, { t0: src, t1: x, a0: 0, a1: 0, a2: 64 }));
      b.push(0, b.inst(Op.ROPE_EMBED, { t0: x, t1: rope, a0: 1, a1: 3 }));
      b.push(0, b.inst(Op.CACHE_APPEND, { t0: x, t1: kv, a0: 0, a1: 0 }));
      b.push(0, b.inst(Op.CACHE_APPEND, { t0: x, t1: kv, a0: 32, a1: 1 }));
      b.push(0, b.inst(Op.ZERO, { t0: kv, a0: 5, a1: 7, signalCounter: done }));
      return { out: kv, count: 2 * 3 * 2 * 16, n: 1 };
    }),
    miscCase('elementwise opcodes', (b, done) => {
      const a = b.input('a', 'f32', [257], 3);
      const c = b.input('c', 'bf16', [257], 3);
      const d = b.input('d', 'f32', [257], 3);
      const y = b.state('y', 'f32', [12, 257]);
      const ops = [
        Op.SILU,
        Op.GELU,
        Op.RELU,
        Op.GELU_TANH,
        Op.SCALE,
        Op.SWIGLU,
        Op.GEGLU,
        Op.ADD,
        Op.MUL,
        Op.ELEMWISE_MUL_ADD,
        Op.RESIDUAL_ADD,
        Op.SOFTCAP,
      ];
      const row = (i: number) => b.state(`row${i}`, 'f32', [257]);
      const rows = ops.map((_, i) => row(i));
      ops.forEach((op, i) => {
        const out = rows[i]!;
        const unary =
          op === Op.SILU ||
          op === Op.GELU ||
          op === Op.RELU ||
          op === Op.GELU_TANH ||
          op === Op.SCALE ||
          op === Op.RESIDUAL_ADD ||
          op === Op.SOFTCAP;
        const f =
          op === Op.ELEMWISE_MUL_ADD
            ? { t0: a, t1: c, t2: d, t3: out }
            : unary
              ? { t0: a, t1: out }
              : { t0: a, t1: c, t2: out };
        b.push(
          0,
          b.inst(op, {
            ...f,
            a0: 3,
            a1: 250,
            ...(op === Op.SCALE
              ? { f0: -1.5 }
              : op === Op.RESIDUAL_ADD
                ? { f0: 0.3 }
                : op === Op.SOFTCAP
                  ? { f0: 2 }
                  : {}),
          }),
        );
        b.push(
          0,
          b.inst(Op.COPY, {
            t0: out,
            t1: y,
            a0: 0,
            a1: i * 257,
            a2: 257,
            ...(i === ops.length - 1 ? { signalCounter: done } : {}),
          }),
        );
      });
      return { out: y, count: 12 * 257, n: 1 };
    }),
    {
      ...miscCase('ARGMAX over three tiles', (b, done) => {
        const logits = b.input('l', 'f32', [500], 3);
        const y = b.state('copied', 'f32', [500]);
        b.push(0, b.inst(Op.COPY, { t0: logits, t1: y, a0: 0, a1: 0, a2: 500 }));
        b.push(0, b.inst(Op.ARGMAX, { t0: logits, t1: b.argmax, a0: 0, a1: 100, a2: 0xffffffff }));
        b.push(0, b.inst(Op.ARGMAX, { t0: logits, t1: b.argmax, a0: 100, a1: 300, a2: 250 }));
        b.push(
          0,
          b.inst(Op.ARGMAX, {
            t0: logits,
            t1: b.argmax,
            a0: 400,
            a1: 100,
            a2: 0xffffffff,
            signalCounter: done,
          }),
        );
        return { out: y, count: 500, n: 1 };
      }),
      argmax: { offset: 0, count: 500, suppress: [250] },
    },
  ];
  return cases;
}
