/**
 * Every weight the direct forward pass needs, read once from a Checkpoint by role (f32, linear
 * weights [out, in]; GPT-2's c_attn already split and transposed by the model package).
 */
import { hasInputNorms, hasOutputNorms, type RuntimeModelConfig } from '@megakernel/isa';
import type { Checkpoint, LayerWeightRole, ModelWeightRole } from '@megakernel/model';

export interface LayerWeights {
  /** Input norms of attention and the MLP; null where the model normalises block outputs (OLMo-2). */
  readonly attnNorm: Float32Array | null;
  readonly attnNormBias: Float32Array | null;
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
  readonly qBias: Float32Array | null;
  readonly kBias: Float32Array | null;
  readonly vBias: Float32Array | null;
  /** Norms of q and k before RoPE ([headDim] each per head, Qwen3; the projection's width, OLMo-2), null without. */
  readonly qNorm: Float32Array | null;
  readonly kNorm: Float32Array | null;
  readonly o: Float32Array;
  readonly oBias: Float32Array | null;
  readonly mlpNorm: Float32Array | null;
  readonly mlpNormBias: Float32Array | null;
  /** Output norms of attention and the MLP, before their residual adds (OLMo-2); null without. */
  readonly attnOutNorm: Float32Array | null;
  readonly mlpOutNorm: Float32Array | null;
  /** Null for non-gated MLPs (GPT-2): down(act(up(x))). */
  readonly gate: Float32Array | null;
  readonly gateBias: Float32Array | null;
  /** The dense MLP's up and down projections; null where the MLP is a mixture of experts. */
  readonly up: Float32Array | null;
  readonly upBias: Float32Array | null;
  readonly down: Float32Array | null;
  readonly downBias: Float32Array | null;
  /** A mixture of experts' router and experts (Mixtral); null for a dense MLP. */
  readonly experts: ExpertWeights | null;
}

export interface ExpertWeights {
  /** [E, hidden]. */
  readonly router: Float32Array;
  /** Each [E, intermediate, hidden] (gate, up) or [E, hidden, intermediate] (down), expert after expert. */
  readonly gate: Float32Array;
  readonly up: Float32Array;
  readonly down: Float32Array;
}

export interface DecoderWeights {
  readonly config: RuntimeModelConfig;
  readonly embed: Float32Array;
  readonly positions: Float32Array | null;
  readonly layers: readonly LayerWeights[];
  readonly finalNorm: Float32Array;
  readonly finalNormBias: Float32Array | null;
  /** [vocab, hidden]; the embedding itself when tied (the model package resolves the role). */
  readonly lmHead: Float32Array;
  readonly lmHeadBias: Float32Array | null;
}

export function loadDecoderWeights(checkpoint: Checkpoint): DecoderWeights {
  const config = checkpoint.config;
  const optional = (role: ModelWeightRole): Float32Array | null =>
    checkpoint.hasWeight(role) ? checkpoint.weight(role) : null;
  const layer = (l: number): LayerWeights => {
    const req = (role: LayerWeightRole): Float32Array => checkpoint.weight(role, l);
    const opt = (role: LayerWeightRole): Float32Array | null =>
      checkpoint.hasWeight(role, l) ? checkpoint.weight(role, l) : null;
    const pre = hasInputNorms(config);
    const post = hasOutputNorms(config);
    const moe = config.moe !== null;
    return {
      attnNorm: pre ? req('attnNorm') : null,
      attnNormBias: opt('attnNormBias'),
      q: req('q'),
      k: req('k'),
      v: req('v'),
      qBias: opt('qBias'),
      kBias: opt('kBias'),
      vBias: opt('vBias'),
      qNorm: config.qkNorm === 'none' ? null : req('qNorm'),
      kNorm: config.qkNorm === 'none' ? null : req('kNorm'),
      o: req('o'),
      oBias: opt('oBias'),
      mlpNorm: pre ? req('mlpNorm') : null,
      mlpNormBias: opt('mlpNormBias'),
      attnOutNorm: post ? req('attnOutNorm') : null,
      mlpOutNorm: post ? req('mlpOutNorm') : null,
      gate: config.mlpGated && !moe ? req('gate') : null,
      gateBias: config.mlpGated ? opt('gateBias') : null,
      up: moe ? null : req('up'),
      upBias: opt('upBias'),
      down: moe ? null : req('down'),
      downBias: opt('downBias'),
      experts: moe
        ? { router: req('router'), gate: req('expertGate'), up: req('expertUp'), down: req('expertDown') }
        : null,
    };
  };
  return {
    config,
    embed: checkpoint.weight('embed'),
    positions: config.position === 'learned' ? checkpoint.weight('positions') : null,
    layers: Array.from({ length: config.numLayers }, (_, l) => layer(l)),
    finalNorm: checkpoint.weight('finalNorm'),
    finalNormBias: optional('finalNormBias'),
    lmHead: checkpoint.weight('lmHead'),
    lmHeadBias: optional('lmHeadBias'),
  };
}
