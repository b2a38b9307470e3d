/**
 * The pieces of a decoder block shared by the prefill and the decode paths: the configured norm,
 * the q/k head norms, the MLP, and the LM head. Attention is where the two paths differ (full causal softmax vs KV cache).
 */
import type { RuntimeModelConfig } from '@megakernel/isa';
import { activationFunction, softcap } from '../maths/activations.js';
import { residualAdd } from '../maths/elementwise.js';
import { layerNorm } from '../maths/layer-norm.js';
import { matvec } from '../maths/matvec.js';
import { routeTopK } from '../maths/moe-routing.js';
import { rmsNorm } from '../maths/rms-norm.js';
import type { DecoderWeights, ExpertWeights, LayerWeights } from './decoder-weights.js';

export function applyNorm(
  config: RuntimeModelConfig,
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array | null,
): Float32Array {
  return config.norm === 'rms'
    ? rmsNorm(x, gamma, config.normEps)
    : layerNorm(x, gamma, beta, config.normEps);
}

/**
 * A block's input as its projections read it: the input norm's output, or x itself where the model
 * normalises block outputs instead (OLMo-2).
 */
export function blockInput(
  config: RuntimeModelConfig,
  x: Float32Array,
  gamma: Float32Array | null,
  beta: Float32Array | null,
): Float32Array {
  return gamma === null ? x : applyNorm(config, x, gamma, beta);
}

/**
 * The q/k norm in place: RMSNorm of each head of x [heads, d] with one gamma [d] (Qwen3's q_norm /
 * k_norm), or of the whole projection with a gamma as wide (OLMo-2); nothing without gamma.
 */
export function normHeads(config: RuntimeModelConfig, x: Float32Array, gamma: Float32Array | null): void {
  if (gamma === null) return;
  if (config.qkNorm === 'whole') {
    rmsNorm(x, gamma, config.normEps, x);
    return;
  }
  const d = config.headDim;
  for (let at = 0; at < x.length; at += d) {
    const head = x.subarray(at, at + d);
    rmsNorm(head, gamma, config.normEps, head);
  }
}

/** down(act(gate·h) ⊙ up·h) or down(act(up·h)), biases where the model has them; or the experts' mixture. */
export function mlp(config: RuntimeModelConfig, w: LayerWeights, h: Float32Array): Float32Array {
  if (w.experts !== null) return mixtureOfExperts(config, w.experts, h);
  if (w.up === null || w.down === null) throw new Error('a dense MLP without up/down weights');
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const act = activationFunction(config.activation);
  const up = matvec(w.up, h, I, H, w.upBias ?? undefined);
  if (w.gate) {
    const gate = matvec(w.gate, h, I, H, w.gateBias ?? undefined);
    for (let i = 0; i < I; i++) up[i] = act(gate[i]!) * up[i]!;
  } else {
    for (let i = 0; i < I; i++) up[i] = act(up[i]!);
  }
  return matvec(w.down, up, H, I, w.downBias ?? undefined);
}

/**
 * Mixtral's sparse MLP, as transformers computes it: the router's softmax, its top-k renormalised, and
 * the chosen experts' outputs (each down(act(gate·h) ⊙ up·h)) times their weights, summed into zeros in
 * expert order.
 */
function mixtureOfExperts(config: RuntimeModelConfig, w: ExpertWeights, h: Float32Array): Float32Array {
  const moe = config.moe!;
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const act = activationFunction(config.activation);
  const logits = matvec(w.router, h, moe.numExperts, H);
  const route = routeTopK(logits, moe.topK, moe.normalizeTopK);
  const out = new Float32Array(H);
  const chosen = route.experts.map((e, j) => ({ e, weight: route.weights[j]! })).sort((a, b) => a.e - b.e);
  for (const { e, weight } of chosen) {
    const gate = matvec(w.gate.subarray(e * I * H, (e + 1) * I * H), h, I, H);
    const up = matvec(w.up.subarray(e * I * H, (e + 1) * I * H), h, I, H);
    for (let i = 0; i < I; i++) up[i] = act(gate[i]!) * up[i]!;
    const down = matvec(w.down.subarray(e * H * I, (e + 1) * H * I), up, H, I);
    for (let r = 0; r < H; r++) out[r] = out[r]! + Math.fround(down[r]! * weight);
  }
  return out;
}

/** Final norm and LM head for one hidden state. */
export function lmHead(weights: DecoderWeights, x: Float32Array): Float32Array {
  const c = weights.config;
  const h = applyNorm(c, x, weights.finalNorm, weights.finalNormBias);
  const logits = matvec(weights.lmHead, h, c.vocabSize, c.hiddenSize, weights.lmHeadBias ?? undefined);
  // Granite divides the logits by logits_scaling (logitsScale is its inverse; 1 elsewhere).
  if (c.logitsScale !== 1) for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! * c.logitsScale;
  // Gemma 2 soft-caps them: cap · tanh(logit / cap).
  const cap = c.finalLogitSoftcap;
  if (cap !== null) for (let i = 0; i < logits.length; i++) logits[i] = softcap(logits[i]!, cap);
  return logits;
}

/** A block's output as it is added to the residual: normalised first where the model says so (OLMo-2). */
function blockOutput(c: RuntimeModelConfig, y: Float32Array, outNorm: Float32Array | null): Float32Array {
  return outNorm === null ? y : rmsNorm(y, outNorm, c.normEps);
}

/**
 * The block's two residual adds into x (the layer's input), given the attention output: x += O·attention,
 * then x += mlp(norm2(·)) of the updated x, or, with a parallel residual (GPT-NeoX), of the layer's input.
 * Both scaled by the residual scale; with post-norms (OLMo-2) each output is normalised before its add.
 * The adds' order is the VMs' (O's add, then down's).
 */
export function addBlockOutputs(
  c: RuntimeModelConfig,
  w: LayerWeights,
  x: Float32Array,
  attention: Float32Array,
): void {
  const parallelInput = c.parallelResidual ? blockInput(c, x, w.mlpNorm, w.mlpNormBias) : null;
  const o = matvec(w.o, attention, c.hiddenSize, attention.length, w.oBias ?? undefined);
  residualAdd(x, blockOutput(c, o, w.attnOutNorm), c.residualScale);
  const m = mlp(c, w, parallelInput ?? blockInput(c, x, w.mlpNorm, w.mlpNormBias));
  residualAdd(x, blockOutput(c, m, w.mlpOutNorm), c.residualScale);
}
