/**
 * Unfused lowering, for debugging: one ISA op per model step, every intermediate in a scratch
 * vector, so each can be compared with the direct forward pass. Norm into `normed`, QKV matvec
 * tiles into `qkvOut` [Hq + 2Hkv, d], RoPE on the Q and K heads, Q copied out and K/V appended to
 * the cache, attention, O matvec, residual add, norm, gate and up matvecs, the activation, down
 * matvec, residual add; at the end norm, LM-head matvec tiles and ARGMAX tiles.
 */
import { type Instruction, kvDim, Op, qDim, type RuntimeModelConfig } from '@megakernel/isa';
import { GraphBuilder, type LoweredGraph } from './graph.js';
import type { LowerOptions } from './lower.js';
import { lowerAttention, lowerEmbed, makeTile, opt } from './lower-attention.js';
import { CompileError } from './options.js';
import type { TensorIds } from './program-tensors.js';
import type { RowTile, Tiling } from './tiling.js';

function activationOpcode(config: RuntimeModelConfig): number {
  if (config.mlpGated) {
    if (config.activation === 'silu') return Op.SWIGLU;
    if (config.activation === 'gelu') return Op.GEGLU;
    throw new CompileError(
      'unsupported-model',
      `unfused mode has no gated ${config.activation} opcode; use fused mode`,
    );
  }
  return { silu: Op.SILU, gelu: Op.GELU, gelu_tanh: Op.GELU_TANH, relu: Op.RELU }[config.activation];
}

export function lowerUnfused(
  config: RuntimeModelConfig,
  ids: TensorIds,
  tiling: Tiling,
  options: LowerOptions,
): LoweredGraph {
  const s = ids.scratch;
  if (!s) throw new Error('unfused lowering needs the scratch tensors');
  if (tiling.matvec.down.splitK !== 1)
    throw new CompileError('bad-option', 'unfused mode has no split-K (MATVEC accumulates race)');
  const g = new GraphBuilder();
  const h = config.hiddenSize;
  const i = config.intermediateSize;
  const q = qDim(config);
  const kv = kvDim(config);
  const normOpcode = config.norm === 'layer' ? Op.LAYER_NORM : Op.RMS_NORM;
  const norm = (kind: string, layer: number | null, after: number, params: number): number =>
    g.op(
      kind,
      layer,
      [after],
      [
        makeTile(normOpcode, {
          layer: layer ?? 0xffff,
          t0: ids.hidden,
          t1: params,
          t2: s.normed,
          f0: config.normEps,
        }),
      ],
    );
  const matvec = (
    kind: string,
    layer: number | null,
    after: number[],
    tiles: readonly RowTile[],
    f: Partial<Instruction>,
  ): number =>
    g.op(
      kind,
      layer,
      after,
      tiles.map((t) =>
        makeTile(Op.MATVEC, {
          layer: layer ?? 0xffff,
          a0: t.rowStart,
          a1: t.rowCount,
          a2: t.kStart,
          a3: t.kCount,
          ...f,
        }),
      ),
    );
  const residual = (layer: number, after: number): number =>
    g.op(
      'residual',
      layer,
      [after],
      [makeTile(Op.RESIDUAL_ADD, { layer, t0: s.projOut, t1: ids.hidden, a0: 0, a1: h })],
    );

  const embed = lowerEmbed(g, config, ids);
  let previous = embed;
  const chunks = tiling.attentionChunks;
  for (let l = 0; l < config.numLayers; l++) {
    const w = ids.layers[l]!;
    const attnNorm = norm('attn-norm', l, previous, w.attnNorm);
    const qkv = matvec('qkv', l, [attnNorm], tiling.matvec.qkv.tiles, {
      t0: s.normed,
      t1: w.qkv,
      t2: s.qkvOut,
      t3: opt(w.qkvBias),
    });
    const rotated =
      ids.rope !== undefined
        ? g.op(
            'rope',
            l,
            [qkv],
            [
              makeTile(Op.ROPE_EMBED, {
                layer: l,
                t0: s.qkvOut,
                t1: ids.rope,
                a0: 0,
                a1: config.numHeads + config.numKvHeads,
              }),
            ],
          )
        : qkv;
    const after = rotated === qkv ? [qkv] : [qkv, rotated];
    const copyQ = g.op('q-copy', l, after, [
      makeTile(Op.COPY, { layer: l, t0: s.qkvOut, t1: ids.q, a0: 0, a1: 0, a2: q }),
    ]);
    const append = g.op('cache-append', l, after, [
      makeTile(Op.CACHE_APPEND, { layer: l, t0: s.qkvOut, t1: w.kv, a0: q, a1: 0 }),
      makeTile(Op.CACHE_APPEND, { layer: l, t0: s.qkvOut, t1: w.kv, a0: q + kv, a1: 1 }),
    ]);
    const attention = lowerAttention(g, config, l, [copyQ, append], ids, w.kv, chunks);
    const o = matvec('o', l, [attention], tiling.matvec.o.tiles, {
      t0: ids.attnOut,
      t1: w.o,
      t2: s.projOut,
      t3: opt(w.oBias),
    });
    const attnResidual = residual(l, o);
    const mlpNorm = norm('mlp-norm', l, attnResidual, w.mlpNorm);
    const up = matvec('up', l, [mlpNorm], tiling.matvec.gateUp.tiles, {
      t0: s.normed,
      t1: w.up,
      t2: s.upOut,
      t3: opt(w.upBias),
    });
    const gate =
      w.gate !== undefined
        ? matvec('gate', l, [mlpNorm], tiling.matvec.gateUp.tiles, {
            t0: s.normed,
            t1: w.gate,
            t2: s.gateOut,
            t3: opt(w.gateBias),
          })
        : undefined;
    const actOpcode = activationOpcode(config);
    const act = g.op('activation', l, gate !== undefined ? [gate, up] : [up], [
      gate !== undefined
        ? makeTile(actOpcode, { layer: l, t0: s.gateOut, t1: s.upOut, t2: ids.mlpAct, a0: 0, a1: i })
        : makeTile(actOpcode, { layer: l, t0: s.upOut, t1: ids.mlpAct, a0: 0, a1: i }),
    ]);
    const down = matvec('down', l, [act], tiling.matvec.down.tiles, {
      t0: ids.mlpAct,
      t1: w.down,
      t2: s.projOut,
      t3: opt(w.downBias),
    });
    previous = residual(l, down);
  }
  const finalNorm = norm('final-norm', null, previous, ids.finalNorm);
  const lm = matvec('lm-head', null, [finalNorm], tiling.matvec.lmHead.tiles, {
    t0: s.normed,
    t1: ids.lmHead,
    t2: ids.logits,
    t3: opt(ids.lmHeadBias),
  });
  const argmax = g.op(
    'argmax',
    null,
    [lm],
    tiling.matvec.lmHead.tiles.map((t) =>
      makeTile(Op.ARGMAX, {
        t0: ids.logits,
        t1: ids.argmax,
        a0: t.rowStart,
        a1: t.rowCount,
        a2: options.suppressToken,
      }),
    ),
  );
  g.afterPreviousStep(embed, argmax);
  return g.build();
}
