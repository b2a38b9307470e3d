/**
 * Lowering of one decode step, fused mode: EMBED_GATHER, then per layer QKV (+norm, RoPE, KV
 * append; with q/k norms the projection goes to a scratch and the norms, RoPE and the appends
 * follow as their own ops), attention per KV head (and chunk, with an LSE reduction when split), O projection with
 * the residual add, gate/up with the activation, down projection with the residual add, and the
 * LM head folded into the argmax. The next step's EMBED depends on this step's LM head.
 */
import { instructionFor, type RuntimeModelConfig } from '@megakernel/isa';
import { GraphBuilder, type LoweredGraph } from './graph.js';
import { lowerAttention, lowerEmbed } from './lower-attention.js';
import { lowerQkvScratch } from './lower-qkv-scratch.js';
import { needsOpChain } from './op-chain.js';
import type { TensorIds } from './program-tensors.js';
import type { RowTile, Tiling } from './tiling.js';

export interface LowerOptions {
  readonly suppressToken: number;
  /** The op chain's activation instructions per MLP (whole gate/up row tiles each). */
  readonly activationParts?: number;
  /** A prefill program is lowered (lower-prefill.ts): every step's end must be ordered before the next. */
  readonly prefill?: boolean;
}

/** The fused-norm flags of a model: LayerNorm or (no flag) RMSNorm. */
export function normFlags(config: RuntimeModelConfig): 'layerNorm'[] {
  return config.norm === 'layer' ? ['layerNorm'] : [];
}

export function lowerFused(
  config: RuntimeModelConfig,
  ids: TensorIds,
  tiling: Tiling,
  options: LowerOptions,
): LoweredGraph {
  if (needsOpChain(config)) throw new Error('this model lowers through lowerUnfused (see needsOpChain)');
  const g = new GraphBuilder();
  const eps = config.normEps;
  const nf = normFlags(config);
  const rows = (t: RowTile) => ({ rowStart: t.rowStart, rowCount: t.rowCount });

  const embed = lowerEmbed(g, config, ids);

  let previous = embed;
  const chunks = tiling.attentionChunks;
  for (let l = 0; l < config.numLayers; l++) {
    const w = ids.layers[l]!;
    const layer = { layer: l };
    // Q and K finish inside the projection's epilogue, unless a q/k norm needs each whole head first:
    // then the projection lands in the qkvOut scratch and the norms, RoPE and the appends follow.
    const scratch = w.qNorm !== undefined;
    const projection = { flags: nf, x: ids.hidden, normParams: w.attnNorm!, W: w.qkv, bias: w.qkvBias, eps };
    const qkv = g.op(
      'qkv',
      l,
      [previous],
      tiling.matvec.qkv.tiles.map((t) =>
        scratch
          ? instructionFor('FUSED_NORM_MATMUL', { ...projection, y: ids.qkvOut, ...rows(t) }, layer)
          : instructionFor(
              'FUSED_NORM_QKV_ROPE',
              { ...projection, q: ids.q, kv: w.kv, rope: ids.rope, ...rows(t) },
              layer,
            ),
      ),
    );
    const ready = scratch ? lowerQkvScratch(g, config, l, qkv, ids, w) : [qkv];
    const attention = lowerAttention(g, config, l, ready, ids, w.kv, chunks);
    const oTiles = tiling.matvec.o.tiles.map((t) =>
      instructionFor(
        'FUSED_MATMUL_RESIDUAL',
        { x: ids.attnOut, W: w.o, out: ids.hidden, bias: w.oBias, ...rows(t), scale: config.residualScale },
        layer,
      ),
    );
    const gateUpTiles = tiling.matvec.gateUp.tiles.map((t) =>
      instructionFor(
        'FUSED_NORM_GATE_UP_ACT',
        {
          flags: config.mlpGated ? [...nf, 'gated'] : nf,
          activation: config.activation,
          x: ids.hidden,
          normParams: w.mlpNorm!,
          Wgate: w.gate,
          Wup: w.up,
          gateBias: w.gateBias,
          upBias: w.upBias,
          out: ids.mlpAct,
          ...rows(t),
          eps,
        },
        layer,
      ),
    );
    // A parallel residual (GPT-NeoX): the MLP reads the layer's input, so gate/up runs beside the attention
    // and O adds into the residual only after every gate/up tile has read it; down follows both.
    let o: number;
    let gateUp: number;
    if (config.parallelResidual) {
      gateUp = g.op('gate-up', l, [previous], gateUpTiles);
      o = g.op('o', l, [attention, gateUp], oTiles);
    } else {
      o = g.op('o', l, [attention], oTiles);
      gateUp = g.op('gate-up', l, [o], gateUpTiles);
    }
    const split = tiling.matvec.down.splitK > 1;
    previous = g.op(
      'down',
      l,
      config.parallelResidual ? [gateUp, o] : [gateUp],
      tiling.matvec.down.tiles.map((t) =>
        instructionFor(
          'FUSED_MATMUL_RESIDUAL',
          {
            flags: split ? ['splitK'] : [],
            x: ids.mlpAct,
            W: w.down,
            out: ids.hidden,
            bias: w.downBias,
            ...rows(t),
            kStart: t.kStart,
            kCount: t.kCount,
            scale: config.residualScale,
          },
          layer,
        ),
      ),
    );
  }
  const lmHead = g.op(
    'lm-head',
    null,
    [previous],
    tiling.matvec.lmHead.tiles.map((t, i) =>
      instructionFor('FUSED_NORM_LM_HEAD_ARGMAX', {
        flags: nf,
        x: ids.hidden,
        normParams: ids.finalNorm,
        W: ids.lmHead,
        bias: ids.lmHeadBias,
        logits: ids.logits,
        argmax: ids.argmax,
        ...rows(t),
        suppressToken: options.suppressToken,
        eps,
        scale: config.logitsScale,
        // The sampling words let greedy settings skip the candidates (SAMPLE keeps the argmax).
        ...(ids.sampler
          ? { candidates: ids.sampler.candidates, sampling: ids.sampler.sampling, candidateList: i }
          : {}),
      }),
    ),
  );
  // The sampler draws from every tile's candidates and may replace the argmax key.
  const last = ids.sampler
    ? g.op('sample', null, [lmHead], [instructionFor('SAMPLE', { ...ids.sampler, argmax: ids.argmax })])
    : lmHead;
  // The next token's embedding overwrites `hidden` and reads this step's argmax: the step boundary.
  g.afterPreviousStep(embed, last);
  return g.build();
}
