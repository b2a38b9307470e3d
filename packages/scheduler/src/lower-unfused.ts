/**
 * Unfused lowering, for debugging: one ISA op per model step, every intermediate in a scratch
 * vector, so each can be compared with the direct forward pass. Norm into `normed`, QKV matvec
 * tiles into `qkvOut` [Hq + 2Hkv, d], q/k head norms where the model has them, RoPE on the Q and K
 * heads, Q copied out and K/V appended to the cache, attention, O matvec, residual add, norm, gate and up matvecs, the activation, down
 * matvec, residual add; at the end norm, LM-head matvec tiles and ARGMAX tiles. The models the fused ops
 * cannot express take this chain in both modes (op-chain.ts): post-norms (OLMo-2: no input norms, each
 * block's output normalised before its add), soft-caps (Gemma 2) and experts (Mixtral, lower-experts.ts).
 */
import { instructionFor, type OpcodeName, type RuntimeModelConfig } from '@megakernel/isa';
import { GraphBuilder, type LoweredGraph } from './graph.js';
import type { LowerOptions } from './lower.js';
import { lowerAttention, lowerEmbed } from './lower-attention.js';
import { type Activate, lowerExperts } from './lower-experts.js';
import { lowerQkvScratch } from './lower-qkv-scratch.js';
import { columnParts } from './op-chain.js';
import { CompileError } from './options.js';
import type { TensorIds } from './program-tensors.js';
import type { RowTile, Tiling } from './tiling.js';

type GatedActivation = 'SWIGLU' | 'GEGLU';

const ACTIVATION_OPCODES = { silu: 'SILU', gelu: 'GELU', gelu_tanh: 'GELU_TANH', relu: 'RELU' } as const;

/** The gated opcode for act(gate) * up, when the ISA has one (SwiGLU, erf GeGLU). */
function gatedOpcode(config: RuntimeModelConfig): GatedActivation | undefined {
  if (config.activation === 'silu') return 'SWIGLU';
  if (config.activation === 'gelu') return 'GEGLU';
  return undefined;
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
  const normOpcode: OpcodeName = config.norm === 'layer' ? 'LAYER_NORM' : 'RMS_NORM';
  const at = (layer: number | null) => (layer === null ? {} : { layer });
  if (config.normPlacement !== 'pre' && config.parallelResidual)
    throw new CompileError('unsupported-model', 'output norms with a parallel residual: no model has both');
  /** norm(x) into `normed`: a block's input (pre-norm), or a block's output in projOut (post-norm). */
  const norm = (
    kind: string,
    layer: number | null,
    after: number | readonly number[],
    params: number,
    x = ids.hidden,
  ): number =>
    g.op(kind, layer, typeof after === 'number' ? [after] : after, [
      instructionFor(
        normOpcode as 'RMS_NORM',
        { x, normParams: params, y: s.normed, eps: config.normEps },
        at(layer),
      ),
    ]);
  interface Product {
    readonly x: number;
    readonly W: number;
    readonly y: number;
    readonly bias: number | undefined;
    /** Add into y (the column parts of a product wider than one instruction's input). */
    readonly accumulate?: boolean;
  }
  const matvec = (
    kind: string,
    layer: number | null,
    after: number[],
    tiles: readonly RowTile[],
    { accumulate, ...product }: Product,
  ): number =>
    g.op(
      kind,
      layer,
      after,
      tiles.map((t) =>
        instructionFor(
          'MATVEC',
          {
            ...(accumulate ? { flags: ['accumulate'] as const } : {}),
            ...product,
            rowStart: t.rowStart,
            rowCount: t.rowCount,
            kStart: t.kStart,
            kCount: t.kCount,
          },
          at(layer),
        ),
      ),
    );
  const residual = (layer: number, after: readonly number[], a = s.projOut): number =>
    g.op('residual', layer, after, [
      instructionFor(
        'RESIDUAL_ADD',
        { a, out: ids.hidden, offset: 0, count: h, scale: config.residualScale },
        { layer },
      ),
    ]);
  /** A block's output (in projOut) into the residual: normalised first where the model says so. */
  const addOutput = (layer: number, after: number, outNorm: number | undefined, kind: string): number =>
    outNorm === undefined
      ? residual(layer, [after])
      : residual(layer, [norm(kind, layer, after, outNorm, s.projOut)], s.normed);
  /**
   * The input norm of a pre-norm block (after every op of `after`), or, post-norm, the op before: its
   * input is the residual itself (post-norm callers pass that one op).
   */
  const blockInput = (kind: string, layer: number, after: readonly number[], params: number | undefined) =>
    params === undefined
      ? { op: after[after.length - 1]!, x: ids.hidden }
      : { op: norm(kind, layer, after, params), x: s.normed };

  /**
   * act(gate) * up (or act(up) without a gate) from `upOut` / `gateOut` into `out`, after the ops that
   * wrote them; returns the op that finishes it.
   */
  const activate: Activate = (l, after, t) => {
    const at = { layer: l };
    // In `activationParts` instructions of whole gate/up row tiles: a part starts once its own rows are
    // computed, on any SM, instead of one SM waiting for the whole vector.
    const tiles = tiling.matvec.gateUp.tiles;
    const n = Math.min(options.activationParts ?? 1, tiles.length);
    const spans = Array.from({ length: n }, (_, p) => {
      const first = tiles[Math.floor((p * tiles.length) / n)]!;
      const last = tiles[Math.floor(((p + 1) * tiles.length) / n) - 1]!;
      return { offset: first.rowStart, count: last.rowStart + last.rowCount - first.rowStart };
    });
    // SILU, GELU, GELU_TANH and RELU share one operand shape.
    const unary = ACTIVATION_OPCODES[config.activation] as 'SILU';
    const gated = t.gate !== undefined ? gatedOpcode(config) : undefined;
    if (t.gate === undefined)
      return g.op(
        'activation',
        l,
        after,
        spans.map((span) => instructionFor(unary, { a: t.up, out: t.out, ...span }, at)),
      );
    if (gated !== undefined)
      return g.op(
        'activation',
        l,
        after,
        spans.map((span) =>
          instructionFor(gated as 'SWIGLU', { a: t.gate!, b: t.up, out: t.out, ...span }, at),
        ),
      );
    // No gated opcode (tanh GeGLU, ReGLU): the activation into out, then the product in place.
    // `after` is [the gate's op, the up's op].
    const activation = g.op(
      'activation',
      l,
      after.slice(0, 1),
      spans.map((span) => instructionFor(unary, { a: t.gate!, out: t.out, ...span }, at)),
    );
    return g.op(
      'gate-product',
      l,
      [activation, ...after.slice(1)],
      spans.map((span) => instructionFor('MUL', { a: t.out, b: t.up, out: t.out, ...span }, at)),
    );
  };
  /** The dense MLP from its input x into projOut; returns the op that finishes it. */
  const lowerDenseMlp = (
    l: number,
    mlpNorm: number,
    x: number,
    w: TensorIds['layers'][number],
    attnResidual: number,
  ): number => {
    if (w.up === undefined || w.down === undefined) throw new Error(`layer ${l} has no dense MLP weights`);
    const up = matvec('up', l, [mlpNorm], tiling.matvec.gateUp.tiles, {
      x,
      W: w.up,
      y: s.upOut,
      bias: w.upBias,
    });
    const gate =
      w.gate !== undefined
        ? matvec('gate', l, [mlpNorm], tiling.matvec.gateUp.tiles, {
            x,
            W: w.gate,
            y: s.gateOut,
            bias: w.gateBias,
          })
        : undefined;
    const activated = activate(l, gate === undefined ? [up] : [gate, up], {
      gate: gate === undefined ? undefined : s.gateOut,
      up: s.upOut,
      out: ids.mlpAct,
    });
    // Down overwrites projOut, which attention's residual add reads.
    const downAfter = config.parallelResidual ? [activated, attnResidual] : [activated];
    const downProduct = { x: ids.mlpAct, W: w.down, y: s.projOut, bias: w.downBias };
    const parts = columnParts(i);
    if (parts.length === 1) return matvec('down', l, downAfter, tiling.matvec.down.tiles, downProduct);
    // Wider than one instruction's input: projOut zeroed once its last reader is done, then each
    // column part added in order (parts of one row must not add at once).
    const zero = g.op(
      'down-zero',
      l,
      [attnResidual],
      [instructionFor('ZERO', { dst: s.projOut, offset: 0, count: h }, { layer: l })],
    );
    let down = zero;
    parts.forEach(([kStart, kCount], j) => {
      const tiles = tiling.matvec.down.tiles.map((t) => ({ ...t, kStart, kCount }));
      // Each part reads its own columns of the activation, whose tiles it waits for itself.
      down = matvec('down', l, j === 0 ? [...downAfter, zero] : [down, ...downAfter], tiles, {
        ...downProduct,
        bias: j === 0 ? downProduct.bias : undefined,
        accumulate: true,
      });
    });
    return down;
  };

  const embed = lowerEmbed(g, config, ids);
  let previous = embed;
  const chunks = tiling.attentionChunks;
  for (let l = 0; l < config.numLayers; l++) {
    const w = ids.layers[l]!;
    const attnIn = blockInput('attn-norm', l, [previous], w.attnNorm);
    const qkv = matvec('qkv', l, [attnIn.op], tiling.matvec.qkv.tiles, {
      x: attnIn.x,
      W: w.qkv,
      y: s.qkvOut,
      bias: w.qkvBias,
    });
    const ready = lowerQkvScratch(g, config, l, qkv, ids, w);
    const attention = lowerAttention(g, config, l, ready, ids, w.kv, chunks);
    const o = matvec('o', l, [attention], tiling.matvec.o.tiles, {
      x: ids.attnOut,
      W: w.o,
      y: s.projOut,
      bias: w.oBias,
    });
    // A parallel residual (GPT-NeoX): the MLP's norm reads the layer's input, before attention's add.
    let attnResidual: number;
    let mlpIn: { op: number; x: number };
    if (config.parallelResidual) {
      // Waits come only from edges whose tiles conflict: the layer input's writer (read after write)
      // and the QKV product, the last reader of `normed` (write after read). The edge to O shares no
      // tensor and adds no wait; alone, it left the norm unordered.
      mlpIn = blockInput('mlp-norm', l, [previous, qkv, o], w.mlpNorm);
      attnResidual = residual(l, [o, mlpIn.op]);
    } else {
      attnResidual = addOutput(l, o, w.attnOutNorm, 'attn-out-norm');
      mlpIn = blockInput('mlp-norm', l, [attnResidual], w.mlpNorm);
    }
    const mlpNorm = mlpIn.op;
    const down =
      w.experts !== undefined
        ? lowerExperts(g, config, l, { ...mlpIn, lastReader: attnResidual }, ids, w.experts, tiling, activate)
        : lowerDenseMlp(l, mlpNorm, mlpIn.x, w, attnResidual);
    previous = addOutput(l, down, w.mlpOutNorm, 'mlp-out-norm');
  }
  const finalNorm = norm('final-norm', null, previous, ids.finalNorm);
  const lm = matvec('lm-head', null, [finalNorm], tiling.matvec.lmHead.tiles, {
    x: s.normed,
    W: ids.lmHead,
    y: ids.logits,
    bias: ids.lmHeadBias,
  });
  // Granite's logits scaling, in place on each tile's logits before the argmax reads them.
  const scaled =
    config.logitsScale === 1
      ? lm
      : g.op(
          'logits-scale',
          null,
          [lm],
          tiling.matvec.lmHead.tiles.map((t) =>
            instructionFor('SCALE', {
              a: ids.logits,
              out: ids.logits,
              offset: t.rowStart,
              count: t.rowCount,
              scale: config.logitsScale,
            }),
          ),
        );
  // Gemma 2's final soft-cap, in place, before the argmax (which it cannot change: tanh is monotonic) and
  // before anyone samples from the logits.
  const capped =
    config.finalLogitSoftcap === null
      ? scaled
      : g.op(
          'logits-softcap',
          null,
          [scaled],
          tiling.matvec.lmHead.tiles.map((t) =>
            instructionFor('SOFTCAP', {
              a: ids.logits,
              out: ids.logits,
              offset: t.rowStart,
              count: t.rowCount,
              cap: config.finalLogitSoftcap!,
            }),
          ),
        );
  const argmax = g.op(
    'argmax',
    null,
    [capped],
    tiling.matvec.lmHead.tiles.map((t) =>
      instructionFor('ARGMAX', {
        logits: ids.logits,
        argmax: ids.argmax,
        rowStart: t.rowStart,
        rowCount: t.rowCount,
        suppressToken: options.suppressToken,
      }),
    ),
  );
  g.afterPreviousStep(embed, argmax);
  // Prefill: the last layer's residual adds of the tokens before the last are no ancestors of the argmax.
  if (options.prefill) g.afterPreviousStep(embed, previous);
  return g.build();
}
