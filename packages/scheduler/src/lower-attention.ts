/**
 * Pieces both lowerings share: the step's embedding gather, and the attention of one layer (a
 * partial per KV head and chunk, then a reduction per KV head when the range is split).
 */
import { instructionFor, kvGroupSize, layerWindow, type RuntimeModelConfig } from '@megakernel/isa';
import type { GraphBuilder } from './graph.js';
import type { TensorIds } from './program-tensors.js';

/** The step's first instruction: the token's embedding (plus learned position) into hidden. */
export function lowerEmbed(g: GraphBuilder, config: RuntimeModelConfig, ids: TensorIds): number {
  return g.op(
    'embed',
    null,
    [],
    [
      instructionFor('EMBED_GATHER', {
        flags: ['embedFromArgmax'],
        tokens: ids.tokens,
        table: ids.embed,
        positions: ids.positions,
        out: ids.hidden,
        argmax: ids.argmax,
        scale: config.embeddingScale,
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
  const direct = chunks === 1;
  const partials = [];
  for (let h = 0; h < config.numKvHeads; h++) {
    for (let c = 0; c < chunks; c++) {
      partials.push(
        instructionFor(
          'ATTENTION_PARTIAL',
          {
            flags: direct ? ['direct'] : [],
            q: ids.q,
            kv,
            out: direct ? ids.attnOut : ids.partialO,
            lse: direct ? undefined : ids.partialLse,
            kvHead: h,
            chunk: c,
            chunks,
            window: layerWindow(config, l) ?? 0,
            scale: config.attentionScale,
            softcap: config.attnLogitSoftcap ?? 0,
          },
          { layer: l },
        ),
      );
    }
  }
  const attention = g.op('attention', l, after, partials);
  if (direct) return attention;
  return g.op(
    'attention-reduce',
    l,
    [attention],
    Array.from({ length: config.numKvHeads }, (_, h) =>
      instructionFor(
        'ATTENTION_REDUCE',
        {
          partialO: ids.partialO,
          lse: ids.partialLse,
          out: ids.attnOut,
          headStart: h * group,
          headCount: group,
        },
        { layer: l },
      ),
    ),
  );
}
