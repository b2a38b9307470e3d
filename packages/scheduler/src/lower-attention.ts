/**
 * Pieces both lowerings share: building tiles from the neutral instruction, the step's embedding
 * gather, and the attention of one layer (a partial per KV head and chunk, then a reduction per KV
 * head when the range is split).
 */
import {
  FLAG_ATTN_DIRECT,
  FLAG_EMBED_FROM_ARGMAX,
  type Instruction,
  kvGroupSize,
  makeInstruction,
  Op,
  type RuntimeModelConfig,
} from '@megakernel/isa';
import type { GraphBuilder } from './graph.js';
import type { TensorIds } from './program-tensors.js';

export const opt = (id: number | undefined): number => id ?? 0xffff;

// makeInstruction rebuilds the neutral instruction every call; tens of thousands of tiles reuse one.
const NEUTRAL = makeInstruction(0, {});
export const makeTile = (opcode: number, fields: Partial<Instruction>): Instruction => ({
  ...NEUTRAL,
  ...fields,
  opcode,
});

/** The step's first instruction: the token's embedding (plus learned position) into hidden. */
export function lowerEmbed(g: GraphBuilder, config: RuntimeModelConfig, ids: TensorIds): number {
  return g.op(
    'embed',
    null,
    [],
    [
      makeTile(Op.EMBED_GATHER, {
        flags: FLAG_EMBED_FROM_ARGMAX,
        t0: ids.tokens,
        t1: ids.embed,
        t2: opt(ids.positions),
        t3: ids.hidden,
        t4: ids.argmax,
        f0: config.embeddingScale,
      }),
    ],
  );
}

/** Adds layer `l`'s attention after `after`; returns the op whose completion means attnOut is ready. */
export function lowerAttention(
  g: GraphBuilder,
  config: RuntimeModelConfig,
  l: number,
  after: readonly number[],
  ids: TensorIds,
  kv: number,
  chunks: number,
): number {
  const group = kvGroupSize(config);
  const partials: Instruction[] = [];
  for (let h = 0; h < config.numKvHeads; h++) {
    for (let c = 0; c < chunks; c++) {
      partials.push(
        makeTile(Op.ATTENTION_PARTIAL, {
          flags: chunks === 1 ? FLAG_ATTN_DIRECT : 0,
          layer: l,
          t0: ids.q,
          t1: kv,
          t2: chunks === 1 ? ids.attnOut : ids.partialO!,
          t3: chunks === 1 ? 0xffff : ids.partialLse!,
          a0: h,
          a1: c,
          a2: chunks,
          a3: config.slidingWindow ?? 0,
          f0: config.attentionScale,
        }),
      );
    }
  }
  const attention = g.op('attention', l, after, partials);
  if (chunks === 1) return attention;
  return g.op(
    'attention-reduce',
    l,
    [attention],
    Array.from({ length: config.numKvHeads }, (_, h) =>
      makeTile(Op.ATTENTION_REDUCE, {
        layer: l,
        t0: ids.partialO!,
        t1: ids.partialLse!,
        t2: ids.attnOut,
        a0: h * group,
        a1: group,
      }),
    ),
  );
}
