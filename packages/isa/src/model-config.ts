/**
 * The model configuration every layer of megakernel agrees on: what the scheduler lowers, what the
 * VMs need at run time, and what `@megakernel/model` derives from a Hugging Face config.json.
 */

export type Architecture =
  | 'llama'
  | 'mistral'
  | 'gpt2'
  | 'qwen2'
  | 'qwen3'
  | 'gemma'
  | 'granite'
  | 'gpt_neox'
  | 'phi'
  | 'phi3'
  | 'olmo2'
  | 'gemma2'
  | 'mixtral';
export const SUPPORTED_ARCHITECTURES: readonly Architecture[] = [
  'llama',
  'mistral',
  'gpt2',
  'qwen2',
  'qwen3',
  'gemma',
  'granite',
  'gpt_neox',
  'phi',
  'phi3',
  'olmo2',
  'gemma2',
  'mixtral',
];

export type NormKind = 'rms' | 'layer';
/** `gelu` is the exact erf form; `gelu_tanh` is GPT-2's `gelu_new` / PyTorch's `approximate='tanh'`. */
export type ActivationKind = 'silu' | 'gelu' | 'gelu_tanh' | 'relu';
export type PositionKind = 'rope' | 'learned' | 'alibi' | 'none';
/** `rotate-half` pairs dimension i with i + rot/2 (Hugging Face); `interleaved` pairs 2i with 2i+1. */
export type RopeLayout = 'rotate-half' | 'interleaved';
/**
 * A norm on the queries and keys after their projection, before RoPE: `per-head` is an RMSNorm over
 * each head's head_dim with one weight [head_dim] for all query heads and one for all key heads
 * (Qwen3); `whole` is one RMSNorm over the whole projection, all heads together, with a weight of
 * its full width (OLMo-2: [heads * head_dim] for q, [kv_heads * head_dim] for k); `none` for the
 * families without one.
 */
export type QkNormKind = 'none' | 'per-head' | 'whole';
/**
 * Where each block's norms sit: `pre` normalises the block's input (x + f(norm(x)): Llama, GPT-2 and
 * most others); `post` normalises the block's output before its residual add (x + norm(f(x)): OLMo-2);
 * `sandwich` does both (x + norm2(f(norm1(x))): Gemma 2).
 */
export type NormPlacement = 'pre' | 'post' | 'sandwich';

/**
 * A mixture-of-experts MLP (Mixtral): a router picks `topK` of `numExperts` gated MLPs per token from the
 * softmax of its logits, and the block's output is their sum weighted by those probabilities
 * (renormalised over the chosen ones when `normalizeTopK`). Every expert has the model's
 * intermediateSize.
 */
export interface MoeConfig {
  readonly numExperts: number;
  readonly topK: number;
  readonly normalizeTopK: boolean;
}

export type RopeScaling =
  | { readonly type: 'none' }
  | { readonly type: 'linear'; readonly factor: number }
  | {
      readonly type: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositionEmbeddings: number;
    }
  /**
   * LongRoPE (Phi-3's "longrope", formerly "su"): invFreq[i] = 1 / (factor_i · theta^(2i/rot)), with the
   * short factors up to the original context and the long ones past it (see ropeUsesLongFactors), and
   * cos and sin scaled by attentionFactor. `factor` is max/original context, from which transformers
   * derives attentionFactor when config.json gives none.
   */
  | {
      readonly type: 'longrope';
      readonly factor: number;
      readonly shortFactor: readonly number[];
      readonly longFactor: readonly number[];
      readonly originalMaxPositionEmbeddings: number;
      readonly attentionFactor: number;
    };

export interface RuntimeModelConfig {
  readonly architecture: Architecture;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly vocabSize: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  /** Longest context the checkpoint supports (learned position tables have exactly this many rows). */
  readonly maxPositionEmbeddings: number;

  readonly norm: NormKind;
  readonly normEps: number;
  /** LayerNorm with a bias (beta) term, as in GPT-2. */
  readonly normBias: boolean;
  readonly normPlacement: NormPlacement;

  readonly qkvBias: boolean;
  /** Norm of q and k after the projection, before RoPE (eps normEps). */
  readonly qkNorm: QkNormKind;
  readonly oBias: boolean;
  readonly mlpBias: boolean;
  readonly lmHeadBias: boolean;

  /** The MLP is a mixture of experts (each one gated like the dense MLP); null for a dense MLP. */
  readonly moe: MoeConfig | null;
  /** Gated MLP: down(act(gate(x)) * up(x)); otherwise down(act(up(x))). */
  readonly mlpGated: boolean;
  readonly activation: ActivationKind;

  readonly position: PositionKind;
  readonly ropeTheta: number;
  readonly ropeScaling: RopeScaling;
  /** Fraction of head_dim that is rotated (1 for full RoPE). */
  readonly partialRotaryFactor: number;
  readonly ropeLayout: RopeLayout;

  /** Tokens a query may see, itself included (Mistral's `sliding_window`); null for full causal attention. */
  readonly slidingWindow: number | null;
  /**
   * Which layers the sliding window applies to, one entry per layer (Gemma 2 alternates sliding and
   * full layers); null: every layer.
   */
  readonly slidingWindowLayers: readonly boolean[] | null;
  /** Attention logits become cap · tanh(logits / cap) before the softmax (Gemma 2); null for none. */
  readonly attnLogitSoftcap: number | null;
  /** The final logits become cap · tanh(logits / cap) (Gemma 2); null for none. */
  readonly finalLogitSoftcap: number | null;

  readonly tieWordEmbeddings: boolean;
  /** Multiplies the embedding gather output (sqrt(hidden) for Gemma, 1 for the others). */
  readonly embeddingScale: number;
  /** Softmax scale applied to q·k (1/sqrt(head_dim) unless the checkpoint says otherwise). */
  readonly attentionScale: number;
  /**
   * Attention and MLP both read the layer's input (GPT-NeoX's use_parallel_residual):
   * x + attn(norm1(x)) + mlp(norm2(x)); otherwise the MLP reads x + attn(norm1(x)).
   */
  readonly parallelResidual: boolean;
  /** Multiplies each block's output before its residual add (Granite's residual_multiplier; 1 for the others). */
  readonly residualScale: number;
  /** Multiplies the logits (1 / Granite's logits_scaling; 1 for the others). */
  readonly logitsScale: number;

  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
}

export const qDim = (c: RuntimeModelConfig): number => c.numHeads * c.headDim;
export const kvDim = (c: RuntimeModelConfig): number => c.numKvHeads * c.headDim;
export const qkvDim = (c: RuntimeModelConfig): number => qDim(c) + 2 * kvDim(c);
export const kvGroupSize = (c: RuntimeModelConfig): number => c.numHeads / c.numKvHeads;
/** Number of leading dimensions of each head that RoPE rotates (even). */
export const rotaryDim = (c: RuntimeModelConfig): number =>
  c.position === 'rope' ? 2 * Math.floor((c.headDim * c.partialRotaryFactor) / 2) : 0;
/** The sliding window of layer `l`, or null where it attends to the whole causal context. */
export const layerWindow = (c: RuntimeModelConfig, l: number): number | null =>
  c.slidingWindow !== null && (c.slidingWindowLayers === null || c.slidingWindowLayers[l] === true)
    ? c.slidingWindow
    : null;
/** Normalises block inputs (pre and sandwich) / block outputs (post and sandwich). */
export const hasInputNorms = (c: RuntimeModelConfig): boolean => c.normPlacement !== 'post';
export const hasOutputNorms = (c: RuntimeModelConfig): boolean => c.normPlacement !== 'pre';
