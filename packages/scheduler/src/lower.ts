/**
 * Lowering of one decode step, fused mode: EMBED_GATHER, then per layer QKV (+norm, RoPE, KV
 * append), attention per KV head (and chunk, with an LSE reduction when split), O projection with
 * the residual add, gate/up with the activation, down projection with the residual add, and the
 * LM head folded into the argmax. The next step's EMBED depends on this step's LM head.
 */
import {
  ACTIVATION_CODES,
  ACTIVATION_SHIFT,
  FLAG_GATED,
  FLAG_NORM_LAYER,
  FLAG_SPLIT_K,
  Op,
  type RuntimeModelConfig,
} from '@megakernel/isa';
import { GraphBuilder, type LoweredGraph } from './graph.js';
import { lowerAttention, lowerEmbed, makeTile, opt } from './lower-attention.js';
import type { TensorIds } from './program-tensors.js';
import type { RowTile, Tiling } from './tiling.js';

export interface LowerOptions {
  readonly suppressToken: number;
}

export function normFlags(config: RuntimeModelConfig): number {
  return config.norm === 'layer' ? FLAG_NORM_LAYER : 0;
}

export function lowerFused(
  config: RuntimeModelConfig,
  ids: TensorIds,
  tiling: Tiling,
  options: LowerOptions,
): LoweredGraph {
  const g = new GraphBuilder();
  const eps = config.normEps;
  const nf = normFlags(config);
  const rows = (t: RowTile) => ({ a0: t.rowStart, a1: t.rowCount });

  const embed = lowerEmbed(g, config, ids);

  let previous = embed;
  const chunks = tiling.attentionChunks;
  for (let l = 0; l < config.numLayers; l++) {
    const w = ids.layers[l]!;
    const qkv = g.op(
      'qkv',
      l,
      [previous],
      tiling.matvec.qkv.tiles.map((t) =>
        makeTile(Op.FUSED_NORM_QKV_ROPE, {
          flags: nf,
          layer: l,
          t0: ids.hidden,
          t1: w.attnNorm,
          t2: w.qkv,
          t3: opt(w.qkvBias),
          t4: ids.q,
          t5: w.kv,
          t6: opt(ids.rope),
          ...rows(t),
          f0: eps,
        }),
      ),
    );
    const attention = lowerAttention(g, config, l, [qkv], ids, w.kv, chunks);
    const o = g.op(
      'o',
      l,
      [attention],
      tiling.matvec.o.tiles.map((t) =>
        makeTile(Op.FUSED_MATMUL_RESIDUAL, {
          layer: l,
          t0: ids.attnOut,
          t1: w.o,
          t2: ids.hidden,
          t3: opt(w.oBias),
          ...rows(t),
        }),
      ),
    );
    const act = ACTIVATION_CODES[config.activation] << ACTIVATION_SHIFT;
    const gateUp = g.op(
      'gate-up',
      l,
      [o],
      tiling.matvec.gateUp.tiles.map((t) =>
        makeTile(Op.FUSED_NORM_GATE_UP_ACT, {
          flags: nf | act | (config.mlpGated ? FLAG_GATED : 0),
          layer: l,
          t0: ids.hidden,
          t1: w.mlpNorm,
          t2: opt(w.gate),
          t3: w.up,
          t4: opt(w.gateBias),
          t5: opt(w.upBias),
          t6: ids.mlpAct,
          ...rows(t),
          f0: eps,
        }),
      ),
    );
    const split = tiling.matvec.down.splitK > 1;
    previous = g.op(
      'down',
      l,
      [gateUp],
      tiling.matvec.down.tiles.map((t) =>
        makeTile(Op.FUSED_MATMUL_RESIDUAL, {
          flags: split ? FLAG_SPLIT_K : 0,
          layer: l,
          t0: ids.mlpAct,
          t1: w.down,
          t2: ids.hidden,
          t3: opt(w.downBias),
          ...rows(t),
          a2: t.kStart,
          a3: t.kCount,
        }),
      ),
    );
  }
  const lmHead = g.op(
    'lm-head',
    null,
    [previous],
    tiling.matvec.lmHead.tiles.map((t) =>
      makeTile(Op.FUSED_NORM_LM_HEAD_ARGMAX, {
        flags: nf,
        t0: ids.hidden,
        t1: ids.finalNorm,
        t2: ids.lmHead,
        t3: opt(ids.lmHeadBias),
        t4: ids.logits,
        t5: ids.argmax,
        ...rows(t),
        a2: options.suppressToken,
        f0: eps,
      }),
    ),
  );
  // The next token's embedding overwrites `hidden` and reads this step's argmax: the step boundary.
  g.afterPreviousStep(embed, lmHead);
  return g.build();
}
