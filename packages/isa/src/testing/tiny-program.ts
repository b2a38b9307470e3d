/**
 * A small but complete program for tests: a 2-layer Llama-style model (hidden 8, 2 query heads,
 * 1 KV head, head dim 4) over 2 queues, with counters whose targets equal their per-step signals.
 * Built by hand, not by the scheduler, so ISA tests do not depend on another package.
 */
import { encodeQueue } from '../encode.js';
import type { Instruction } from '../instruction-layout.js';
import type { RuntimeModelConfig } from '../model-config.js';
import { instructionFor } from '../operands.js';
import type { Program, TensorDtype, TensorEntry, TensorRegion } from '../program-types.js';
import { tensorByteLength } from '../tensor-extent.js';

export const TINY_CONFIG: RuntimeModelConfig = {
  architecture: 'llama',
  numLayers: 2,
  hiddenSize: 8,
  intermediateSize: 16,
  vocabSize: 32,
  numHeads: 2,
  numKvHeads: 1,
  headDim: 4,
  maxPositionEmbeddings: 64,
  norm: 'rms',
  normEps: 1e-5,
  normBias: false,
  normPlacement: 'pre',
  slidingWindowLayers: null,
  attnLogitSoftcap: null,
  finalLogitSoftcap: null,
  moe: null,
  qkvBias: false,
  qkNorm: 'none',
  oBias: false,
  mlpBias: false,
  lmHeadBias: false,
  mlpGated: true,
  activation: 'silu',
  position: 'rope',
  ropeTheta: 10000,
  ropeScaling: { type: 'none' },
  partialRotaryFactor: 1,
  ropeLayout: 'rotate-half',
  slidingWindow: null,
  tieWordEmbeddings: false,
  embeddingScale: 1,
  parallelResidual: false,
  residualScale: 1,
  logitsScale: 1,
  attentionScale: 0.5,
  bosTokenId: 1,
  eosTokenIds: [2],
};

export interface TinyProgram {
  readonly program: Program;
  /** Tensor ids by name. */
  readonly ids: Readonly<Record<string, number>>;
  readonly queues: readonly (readonly Instruction[])[];
}

export function tinyProgram(): TinyProgram {
  const tensors: TensorEntry[] = [];
  const next: Record<TensorRegion, number> = { weights: 0, state: 0 };
  const ids: Record<string, number> = {};
  const add = (
    name: string,
    dtype: TensorDtype,
    shape: number[],
    region: TensorRegion,
    layer?: number,
  ): number => {
    const id = tensors.length;
    const entry: TensorEntry = { id, name, dtype, shape, region, byteOffset: next[region] };
    const t = layer === undefined ? entry : { ...entry, layer };
    tensors.push(
      region === 'weights'
        ? { ...t, source: { kind: 'tensor', name } }
        : { ...t, init: { kind: name === 'rope' ? 'rope-table' : 'zero' } },
    );
    next[region] += Math.ceil(tensorByteLength(entry) / 16) * 16;
    ids[name] = id;
    return id;
  };
  const L = TINY_CONFIG.numLayers;
  const maxSeqLen = 8;
  add('embed', 'bf16', [32, 8], 'weights');
  for (let l = 0; l < L; l++) {
    add(`attnNorm${l}`, 'bf16', [1, 8], 'weights', l);
    add(`Wqkv${l}`, 'bf16', [16, 8], 'weights', l);
    add(`Wo${l}`, 'bf16', [8, 8], 'weights', l);
    add(`mlpNorm${l}`, 'bf16', [1, 8], 'weights', l);
    add(`Wgate${l}`, 'bf16', [16, 8], 'weights', l);
    add(`Wup${l}`, 'bf16', [16, 8], 'weights', l);
    add(`Wdown${l}`, 'bf16', [8, 16], 'weights', l);
  }
  add('finalNorm', 'bf16', [1, 8], 'weights');
  add('lmHead', 'bf16', [32, 8], 'weights');
  add('tokens', 'i32', [maxSeqLen], 'state');
  add('hidden', 'f32', [8], 'state');
  add('q', 'f32', [2, 4], 'state');
  for (let l = 0; l < L; l++) add(`kv${l}`, 'f32', [2, maxSeqLen, 1, 4], 'state', l);
  add('attnOut', 'f32', [2, 4], 'state');
  add('mlp', 'f32', [16], 'state');
  add('logits', 'f32', [32], 'state');
  add('argmax', 'u32', [maxSeqLen, 2], 'state');
  add('rope', 'f32', [maxSeqLen, 2, 2], 'state');

  let counters = 0;
  const counter = (): number => counters++;
  const queues: Instruction[][] = [[], []];
  const cEmbed = counter();
  const cLm = counter();
  queues[0]!.push(
    instructionFor(
      'EMBED_GATHER',
      {
        tokens: ids.tokens!,
        table: ids.embed!,
        out: ids.hidden!,
        argmax: ids.argmax!,
        scale: 1,
        flags: ['embedFromArgmax'],
      },
      { wait0: { counter: cLm, target: 2, previousStep: true }, signal: cEmbed },
    ),
  );
  queues[1]!.push(instructionFor('NOOP', {}));
  let prev = { counter: cEmbed, target: 1 };
  for (let l = 0; l < L; l++) {
    const [cQkv, cAttn, cO, cMlp, cDown] = [counter(), counter(), counter(), counter(), counter()];
    for (let tile = 0; tile < 2; tile++) {
      queues[tile]!.push(
        instructionFor(
          'FUSED_NORM_QKV_ROPE',
          {
            x: ids.hidden!,
            normParams: ids[`attnNorm${l}`]!,
            W: ids[`Wqkv${l}`]!,
            q: ids.q!,
            kv: ids[`kv${l}`]!,
            rope: ids.rope!,
            rowStart: 8 * tile,
            rowCount: 8,
            eps: 1e-5,
          },
          { layer: l, wait0: prev, signal: cQkv },
        ),
      );
    }
    queues[l % 2]!.push(
      instructionFor(
        'ATTENTION_PARTIAL',
        {
          q: ids.q!,
          kv: ids[`kv${l}`]!,
          out: ids.attnOut!,
          kvHead: 0,
          chunk: 0,
          chunks: 1,
          window: 0,
          scale: 0.5,
          flags: ['direct'],
        },
        { layer: l, wait0: { counter: cQkv, target: 2 }, signal: cAttn },
      ),
    );
    for (let tile = 0; tile < 2; tile++) {
      queues[tile]!.push(
        instructionFor(
          'FUSED_MATMUL_RESIDUAL',
          {
            x: ids.attnOut!,
            W: ids[`Wo${l}`]!,
            out: ids.hidden!,
            rowStart: 4 * tile,
            rowCount: 4,
            kStart: 0,
            kCount: 0,
            scale: 1,
          },
          { layer: l, wait0: { counter: cAttn, target: 1 }, signal: cO },
        ),
      );
    }
    for (let tile = 0; tile < 2; tile++) {
      queues[tile]!.push(
        instructionFor(
          'FUSED_NORM_GATE_UP_ACT',
          {
            x: ids.hidden!,
            normParams: ids[`mlpNorm${l}`]!,
            Wgate: ids[`Wgate${l}`]!,
            Wup: ids[`Wup${l}`]!,
            out: ids.mlp!,
            rowStart: 8 * tile,
            rowCount: 8,
            eps: 1e-5,
            flags: ['gated'],
            activation: 'silu',
          },
          { layer: l, wait0: { counter: cO, target: 2 }, signal: cMlp },
        ),
      );
    }
    for (let tile = 0; tile < 2; tile++) {
      queues[tile]!.push(
        instructionFor(
          'FUSED_MATMUL_RESIDUAL',
          {
            x: ids.mlp!,
            W: ids[`Wdown${l}`]!,
            out: ids.hidden!,
            rowStart: 4 * tile,
            rowCount: 4,
            kStart: 0,
            kCount: 0,
            scale: 1,
          },
          { layer: l, wait0: { counter: cMlp, target: 2 }, signal: cDown },
        ),
      );
    }
    prev = { counter: cDown, target: 2 };
  }
  for (let tile = 0; tile < 2; tile++) {
    queues[tile]!.push(
      instructionFor(
        'FUSED_NORM_LM_HEAD_ARGMAX',
        {
          x: ids.hidden!,
          normParams: ids.finalNorm!,
          W: ids.lmHead!,
          logits: ids.logits!,
          argmax: ids.argmax!,
          rowStart: 16 * tile,
          rowCount: 16,
          suppressToken: 0xffffffff,
          eps: 1e-5,
          scale: 1,
        },
        { wait0: prev, signal: cLm },
      ),
    );
  }
  const program: Program = {
    formatVersion: 1,
    config: TINY_CONFIG,
    maxSeqLen,
    tensors,
    weightBytes: next.weights,
    stateBytes: next.state,
    counterCount: counters,
    io: { tokens: ids.tokens!, logits: ids.logits!, argmax: ids.argmax! },
    queues: queues.map(encodeQueue),
    meta: { builder: 'tiny-program', note: 'for tests' },
  };
  return { program, ids, queues };
}
