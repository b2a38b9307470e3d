/** Tiny hand-built programs for the unit tests (no scheduler: the backend never imports it). */
import {
  encodeQueue,
  type Instruction,
  makeInstruction,
  NONE16,
  Op,
  PRESETS,
  PROGRAM_FORMAT_VERSION,
  type Program,
  type TensorDtype,
  type TensorEntry,
} from '@megakernel/isa';

export interface TinySpec {
  readonly wDtype?: TensorDtype;
  readonly queues?: number;
  readonly qkvRows?: [number, number];
}

/** EMBED -> FUSED_NORM_QKV_ROPE -> FUSED_MATMUL_RESIDUAL -> LM head, hidden 64, on `queues` queues. */
export function tinyProgram(spec: TinySpec = {}): Program {
  const config = {
    ...PRESETS['llama-3.2-1b'],
    numLayers: 1,
    hiddenSize: 64,
    intermediateSize: 64,
    vocabSize: 32,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 16,
  };
  const tensors: TensorEntry[] = [];
  let w = 0;
  let s = 0;
  const add = (
    name: string,
    dtype: TensorDtype,
    shape: number[],
    region: 'weights' | 'state',
    extra: object = {},
  ): number => {
    const bytes = shape.reduce((a, b) => a * b, 1) * (dtype === 'bf16' || dtype === 'f16' ? 2 : 4);
    const id = tensors.length;
    const byteOffset = region === 'weights' ? w : s;
    tensors.push({ id, name, dtype, shape, region, byteOffset, ...extra } as TensorEntry);
    if (region === 'weights') w += Math.ceil(bytes / 256) * 256;
    else s += Math.ceil(bytes / 256) * 256;
    return id;
  };
  const src = (name: string) => ({ source: { kind: 'tensor', name } });
  const maxSeq = 8;
  const embed = add('embed', 'bf16', [32, 64], 'weights', src('embed'));
  const norm = add('norm', 'bf16', [1, 64], 'weights', src('norm'));
  const qkv = add('qkv', spec.wDtype ?? 'bf16', [128, 64], 'weights', src('qkv'));
  const o = add('o', 'bf16', [64, 64], 'weights', src('o'));
  const tokens = add('tokens', 'i32', [maxSeq], 'state', { init: { kind: 'minus-one' } });
  const argmax = add('argmax', 'u32', [maxSeq, 2], 'state');
  const hidden = add('hidden', 'f32', [64], 'state');
  const q = add('q', 'f32', [4, 16], 'state');
  const kv = add('kv', 'bf16', [2, maxSeq, 2, 16], 'state');
  const logits = add('logits', 'f32', [32], 'state');
  const rope = add('rope', 'f32', [maxSeq, 8, 2], 'state', { init: { kind: 'rope-table' } });
  const [r0, r1] = spec.qkvRows ?? [0, 128];
  const insts: Instruction[] = [
    makeInstruction(Op.EMBED_GATHER, {
      t0: tokens,
      t1: embed,
      t2: NONE16,
      t3: hidden,
      t4: argmax,
      f0: 1,
      signalCounter: 0,
    }),
    makeInstruction(Op.FUSED_NORM_QKV_ROPE, {
      t0: hidden,
      t1: norm,
      t2: qkv,
      t4: q,
      t5: kv,
      t6: rope,
      a0: r0,
      a1: r1,
      f0: 1e-5,
      wait0Counter: 0,
      wait0Target: 1,
      signalCounter: 1,
    }),
    makeInstruction(Op.FUSED_MATMUL_RESIDUAL, {
      t0: q,
      t1: o,
      t2: hidden,
      a0: 0,
      a1: 64,
      f0: 1,
      wait0Counter: 1,
      wait0Target: 1,
      signalCounter: 2,
    }),
    makeInstruction(Op.FUSED_NORM_LM_HEAD_ARGMAX, {
      t0: hidden,
      t1: norm,
      t2: embed,
      t4: logits,
      t5: argmax,
      a0: 0,
      a1: 32,
      a2: 0xffffffff,
      f0: 1e-5,
      f1: 1,
      wait0Counter: 2,
      wait0Target: 1,
    }),
  ];
  const queues = Array.from({ length: spec.queues ?? 1 }, (_, i) => encodeQueue(i === 0 ? insts : []));
  return {
    formatVersion: PROGRAM_FORMAT_VERSION,
    config,
    maxSeqLen: maxSeq,
    tensors,
    weightBytes: w,
    stateBytes: s,
    counterCount: 3,
    io: { tokens, logits, argmax },
    queues,
    meta: {},
  };
}
