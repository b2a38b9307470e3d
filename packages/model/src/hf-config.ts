/**
 * config.json → RuntimeModelConfig for the supported families (Llama 2/3.x, Mistral, Qwen2, Qwen3, Gemma,
 * Gemma 2, Granite, Phi-3, OLMo-2, Mixtral, GPT-2, GPT-NeoX, Phi-2).
 * Defaults for absent keys are those of the `transformers` config classes, so a minimal config means
 * what it means to `transformers`.
 */
import * as fs from 'node:fs';
import {
  type ActivationKind,
  type Architecture,
  type MoeConfig,
  type RuntimeModelConfig,
  SUPPORTED_ARCHITECTURES,
} from '@megakernel/isa';
import { z } from 'zod';
import { validate } from './config-validation.js';
import { ConfigError, UnsupportedArchitectureError } from './errors.js';
import { parseRopeSettings, type RopeSettings } from './rope-params.js';

/** `architectures` class names for configs that lack `model_type`. */
const ARCHITECTURE_CLASSES: Readonly<Record<string, Architecture>> = {
  LlamaForCausalLM: 'llama',
  MistralForCausalLM: 'mistral',
  Qwen2ForCausalLM: 'qwen2',
  Qwen3ForCausalLM: 'qwen3',
  GemmaForCausalLM: 'gemma',
  GraniteForCausalLM: 'granite',
  GPTNeoXForCausalLM: 'gpt_neox',
  PhiForCausalLM: 'phi',
  Phi3ForCausalLM: 'phi3',
  Olmo2ForCausalLM: 'olmo2',
  Gemma2ForCausalLM: 'gemma2',
  MixtralForCausalLM: 'mixtral',
  GPT2LMHeadModel: 'gpt2',
};

const ACTIVATIONS: Readonly<Record<string, ActivationKind>> = {
  silu: 'silu',
  swish: 'silu',
  gelu: 'gelu',
  gelu_new: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
  relu: 'relu',
};

const size = z.number().int().positive();
const tokenId = z.number().int().nonnegative();
const tokenIds = z.union([tokenId, z.array(tokenId)]);
const activation = z.string().refine((a) => a in ACTIVATIONS, {
  error: (issue) =>
    `unsupported activation '${issue.input}'; supported: ${Object.keys(ACTIVATIONS).join(', ')}`,
});

const specialTokens = {
  bos_token_id: tokenId.nullish(),
  eos_token_id: tokenIds.nullish(),
};

const llamaLikeSchema = z.looseObject({
  hidden_size: size,
  intermediate_size: size,
  num_hidden_layers: size,
  num_attention_heads: size,
  num_key_value_heads: size.nullish(),
  head_dim: size.nullish(),
  vocab_size: size,
  max_position_embeddings: size,
  rms_norm_eps: z.number().positive().default(1e-6),
  hidden_act: activation.default('silu'),
  // Gemma's MLP reads hidden_activation (early Gemma configs say hidden_act 'gelu' but meant tanh).
  hidden_activation: activation.nullish(),
  // Absent: false, except GemmaConfig's default (true); see llamaLikeConfig.
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
  sliding_window: size.nullish(),
  use_sliding_window: z.boolean().default(false),
  max_window_layers: z.number().int().nonnegative().default(28),
  layer_types: z.array(z.enum(['full_attention', 'sliding_attention'])).nullish(),
  // Granite's multipliers (GraniteConfig's defaults: 1); read for granite only.
  embedding_multiplier: z.number().positive().default(1),
  residual_multiplier: z.number().positive().default(1),
  attention_multiplier: z.number().positive().default(1),
  logits_scaling: z.number().positive().default(1),
  // Gemma 2's (Gemma2Config's defaults); read for gemma2 only. null turns a soft-cap off.
  query_pre_attn_scalar: z.number().positive().default(256),
  attn_logit_softcapping: z.number().positive().nullable().default(50),
  final_logit_softcapping: z.number().positive().nullable().default(30),
  // Mixtral's experts (MixtralConfig's defaults); read for mixtral only.
  num_local_experts: size.default(8),
  num_experts_per_tok: size.default(2),
  ...specialTokens,
});

const gpt2Schema = z.looseObject({
  n_embd: size,
  n_head: size,
  n_layer: size,
  n_positions: size,
  n_inner: size.nullish(),
  vocab_size: size,
  layer_norm_epsilon: z.number().positive().default(1e-5),
  activation_function: activation.default('gelu_new'),
  tie_word_embeddings: z.boolean().default(true),
  scale_attn_weights: z.boolean().default(true),
  scale_attn_by_inverse_layer_idx: z
    .literal(false, {
      error: 'per-layer attention scaling (scale_attn_by_inverse_layer_idx) is not supported',
    })
    .default(false),
  ...specialTokens,
});

const neoxSchema = z.looseObject({
  hidden_size: size,
  intermediate_size: size,
  num_hidden_layers: size,
  num_attention_heads: size,
  vocab_size: size,
  max_position_embeddings: size,
  layer_norm_eps: z.number().positive().default(1e-5),
  hidden_act: activation.default('gelu'),
  // transformers 4 names the rotated fraction rotary_pct and the base rotary_emb_base.
  rotary_pct: z.number().gt(0).lte(1).nullish(),
  rotary_emb_base: z.number().positive().nullish(),
  use_parallel_residual: z.boolean().default(true),
  attention_bias: z.boolean().default(true),
  tie_word_embeddings: z.boolean().default(false),
  ...specialTokens,
});

const phiSchema = z.looseObject({
  hidden_size: size,
  intermediate_size: size,
  num_hidden_layers: size,
  num_attention_heads: size,
  num_key_value_heads: size.nullish(),
  vocab_size: size,
  max_position_embeddings: size,
  layer_norm_eps: z.number().positive().default(1e-5),
  hidden_act: activation.default('gelu_new'),
  qk_layernorm: z
    .literal(false, { error: 'q/k LayerNorms (qk_layernorm) are not supported for phi' })
    .default(false),
  tie_word_embeddings: z.boolean().default(false),
  ...specialTokens,
});

/** Reads and parses `file` (a config.json). */
export function readHfConfig(file: string): { config: RuntimeModelConfig; raw: Record<string, unknown> } {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, '', `is not valid JSON (${(e as Error).message})`);
  }
  const config = parseHfConfig(raw, file);
  return { config, raw: raw as Record<string, unknown> };
}

/** Maps a parsed config.json object to the runtime config; `file` names it in errors. */
export function parseHfConfig(raw: unknown, file = 'config.json'): RuntimeModelConfig {
  const architecture = detectArchitecture(raw, file);
  if (architecture === 'gpt2') return gpt2Config(raw, file);
  if (architecture === 'gpt_neox') return neoxConfig(raw, file);
  if (architecture === 'phi') return phiConfig(raw, file);
  return llamaLikeConfig(architecture, raw, file);
}

/** The family of a config: `model_type`, else the first known `architectures` class. */
export function detectArchitecture(raw: unknown, file = 'config.json'): Architecture {
  const { model_type: modelType, architectures } = validate(
    z.looseObject({ model_type: z.string().optional(), architectures: z.array(z.string()).nullish() }),
    raw,
    file,
  );
  if (modelType !== undefined) {
    if ((SUPPORTED_ARCHITECTURES as readonly string[]).includes(modelType)) return modelType as Architecture;
    throw new UnsupportedArchitectureError(file, modelType, SUPPORTED_ARCHITECTURES);
  }
  const first = architectures?.[0];
  if (first === undefined)
    throw new ConfigError(file, 'model_type', 'is required (and there is no architectures list)');
  const known = ARCHITECTURE_CLASSES[first];
  if (known === undefined) throw new UnsupportedArchitectureError(file, first, SUPPORTED_ARCHITECTURES);
  return known;
}

function llamaLikeConfig(architecture: Architecture, raw: unknown, file: string): RuntimeModelConfig {
  const c = validate(llamaLikeSchema, raw, file);
  const numHeads = c.num_attention_heads;
  const numKvHeads = kvHeads(numHeads, c.num_key_value_heads, file);
  // Qwen3Config's head_dim defaults to 128 and GemmaConfig's to 256, whatever the hidden size; the
  // others derive it.
  const gemma2 = architecture === 'gemma2';
  const headDim =
    c.head_dim ??
    (architecture === 'qwen3'
      ? 128
      : architecture === 'gemma' || gemma2
        ? 256
        : wholeQuotient(c.hidden_size, numHeads, file, 'head_dim'));
  // Gemma 2 is Gemma's block (norms as 1 + w, tanh GeGLU, scaled embedding) with sandwich norms.
  const gemma = architecture === 'gemma' || gemma2;
  const rope = parseRopeSettings(raw, file, 10000);
  checkLongRopeFactors(rope, headDim, file);
  const qwen2 = architecture === 'qwen2';
  const qwen3 = architecture === 'qwen3';
  const granite = architecture === 'granite';
  const olmo2 = architecture === 'olmo2';
  if (olmo2) refuseOlmoClipQkv(raw, file);
  // Llama, Qwen3, Gemma, Granite and OLMo-2: attention_bias covers q, k, v and o.
  const llamaBias = architecture === 'llama' || qwen3 || gemma || granite || olmo2;
  return {
    architecture,
    ...sizes(c, numHeads, numKvHeads, headDim),
    norm: 'rms',
    // Olmo2Config's rms_norm_eps defaults to 1e-5, the others' to 1e-6.
    normEps: olmo2 && !('rms_norm_eps' in (raw as object)) ? 1e-5 : c.rms_norm_eps,
    normBias: false,
    normPlacement: olmo2 ? 'post' : gemma2 ? 'sandwich' : 'pre',
    ...slidingWindows(architecture, c, raw, file),
    attnLogitSoftcap: gemma2 ? c.attn_logit_softcapping : null,
    finalLogitSoftcap: gemma2 ? c.final_logit_softcapping : null,
    moe: architecture === 'mixtral' ? mixtralExperts(c, file) : null,
    // Llama's, Qwen3's and Gemma's attention_bias covers q, k, v and o; Qwen2 always has q/k/v biases and
    // never an o bias.
    qkvBias: qwen2 || (llamaBias && c.attention_bias),
    qkNorm: qwen3 ? 'per-head' : olmo2 ? 'whole' : 'none',
    oBias: llamaBias && c.attention_bias,
    mlpBias: (architecture === 'llama' || granite) && c.mlp_bias,
    lmHeadBias: false,
    mlpGated: true,
    activation: gemma ? ACTIVATIONS[c.hidden_activation ?? 'gelu_pytorch_tanh']! : ACTIVATIONS[c.hidden_act]!,
    position: 'rope',
    ropeTheta: rope.theta,
    ropeScaling: rope.scaling,
    partialRotaryFactor: rope.partialRotaryFactor,
    ropeLayout: 'rotate-half',
    // GemmaConfig ties by default; the others do not.
    tieWordEmbeddings: c.tie_word_embeddings ?? gemma,
    // Gemma scales the embedding by sqrt(hidden), here in f32 (transformers casts it to the
    // activations' dtype: 8 exactly at hidden 64, 45.25 in bf16 at 2048).
    embeddingScale: gemma ? Math.fround(Math.sqrt(c.hidden_size)) : granite ? c.embedding_multiplier : 1,
    // Granite's softmax scale is attention_multiplier itself (GraniteAttention.scaling), not 1/sqrt(head_dim);
    // Gemma 2's is query_pre_attn_scalar^-1/2.
    attentionScale: granite
      ? c.attention_multiplier
      : gemma2
        ? 1 / Math.sqrt(c.query_pre_attn_scalar)
        : 1 / Math.sqrt(headDim),
    parallelResidual: false,
    residualScale: granite ? c.residual_multiplier : 1,
    // transformers divides the logits by logits_scaling; the ISA multiplies by its inverse.
    logitsScale: granite ? 1 / c.logits_scaling : 1,
    bosTokenId: c.bos_token_id ?? null,
    eosTokenIds: eosList(c.eos_token_id),
  };
}

/**
 * The sliding window and the layers it applies to. Mistral: `sliding_window` on every layer (null = full
 * attention; absent = transformers' default 4096). Qwen2 and Qwen3: only with `use_sliding_window`, and only
 * on layers >= `max_window_layers`. Gemma 2: alternating, the even layers sliding (Gemma2Config's default
 * `layer_types`), window 4096 unless given. An explicit `layer_types` list decides in every family.
 */
function slidingWindows(
  architecture: Architecture,
  c: z.output<typeof llamaLikeSchema>,
  raw: unknown,
  file: string,
): { slidingWindow: number | null; slidingWindowLayers: boolean[] | null } {
  const none = { slidingWindow: null, slidingWindowLayers: null };
  if (
    architecture === 'llama' ||
    architecture === 'gemma' ||
    architecture === 'granite' ||
    architecture === 'olmo2'
  )
    return none;
  // Phi3Config: sliding_window (default null) applies to every layer.
  if (architecture === 'phi3') return { slidingWindow: c.sliding_window ?? null, slidingWindowLayers: null };
  const n = c.num_hidden_layers;
  let sliding: boolean[];
  let window: number | null;
  if (architecture === 'mistral' || architecture === 'mixtral') {
    // MistralConfig's default window is 4096, MixtralConfig's none.
    const absent = architecture === 'mistral' ? 4096 : null;
    window = 'sliding_window' in (raw as object) ? (c.sliding_window ?? null) : absent;
    sliding = Array.from({ length: n }, () => window !== null);
  } else if (architecture === 'gemma2') {
    window = 'sliding_window' in (raw as object) ? (c.sliding_window ?? null) : 4096;
    sliding = Array.from({ length: n }, (_, i) => window !== null && i % 2 === 0);
  } else {
    window = c.use_sliding_window ? (c.sliding_window ?? 4096) : null;
    sliding = Array.from({ length: n }, (_, i) => window !== null && i >= c.max_window_layers);
  }
  if (c.layer_types != null) {
    if (c.layer_types.length !== n) {
      throw new ConfigError(file, 'layer_types', `has ${c.layer_types.length} entries for ${n} layers`);
    }
    sliding = c.layer_types.map((t) => t === 'sliding_attention');
    if (sliding.some((s) => s) && window === null) window = c.sliding_window ?? null;
  }
  if (sliding.every((s) => !s)) return none;
  if (window === null) {
    throw new ConfigError(
      file,
      'sliding_window',
      'is null, but layer_types asks for sliding-window layers: the window size is missing',
    );
  }
  return { slidingWindow: window, slidingWindowLayers: sliding.every((s) => s) ? null : sliding };
}

/** Mixtral's router: top num_experts_per_tok of num_local_experts, their softmax probabilities renormalised. */
function mixtralExperts(c: z.output<typeof llamaLikeSchema>, file: string): MoeConfig {
  if (c.num_experts_per_tok > c.num_local_experts) {
    throw new ConfigError(
      file,
      'num_experts_per_tok',
      `is ${c.num_experts_per_tok}, more than num_local_experts (${c.num_local_experts})`,
    );
  }
  return { numExperts: c.num_local_experts, topK: c.num_experts_per_tok, normalizeTopK: true };
}

/** OLMo (1)'s clip_qkv clamps q, k and v; an OLMo-2 config that sets it asks for something not built. */
function refuseOlmoClipQkv(raw: unknown, file: string): void {
  const clip = (raw as Record<string, unknown>).clip_qkv;
  if (clip !== undefined && clip !== null)
    throw new ConfigError(file, 'clip_qkv', `is ${JSON.stringify(clip)}; clamping q/k/v is not supported`);
}

function gpt2Config(raw: unknown, file: string): RuntimeModelConfig {
  const c = validate(gpt2Schema, raw, file);
  const headDim = wholeQuotient(c.n_embd, c.n_head, file, 'n_head');
  return {
    architecture: 'gpt2',
    numLayers: c.n_layer,
    hiddenSize: c.n_embd,
    intermediateSize: c.n_inner ?? 4 * c.n_embd,
    vocabSize: c.vocab_size,
    numHeads: c.n_head,
    numKvHeads: c.n_head,
    headDim,
    maxPositionEmbeddings: c.n_positions,
    norm: 'layer',
    normEps: c.layer_norm_epsilon,
    normBias: true,
    normPlacement: 'pre',
    slidingWindowLayers: null,
    attnLogitSoftcap: null,
    finalLogitSoftcap: null,
    moe: null,
    qkvBias: true,
    qkNorm: 'none',
    oBias: true,
    mlpBias: true,
    lmHeadBias: false,
    mlpGated: false,
    activation: ACTIVATIONS[c.activation_function]!,
    position: 'learned',
    ropeTheta: 0,
    ropeScaling: { type: 'none' },
    partialRotaryFactor: 1,
    ropeLayout: 'rotate-half',
    slidingWindow: null,
    tieWordEmbeddings: c.tie_word_embeddings,
    embeddingScale: 1,
    // scale_attn_weights=false means raw q·k (no 1/sqrt(d)), as in transformers' GPT2Attention.
    attentionScale: c.scale_attn_weights ? 1 / Math.sqrt(headDim) : 1,
    parallelResidual: false,
    residualScale: 1,
    logitsScale: 1,
    bosTokenId: c.bos_token_id ?? null,
    eosTokenIds: eosList(c.eos_token_id),
  };
}

/**
 * GPT-NeoX / Pythia: LayerNorms with bias, q/k/v fused per head in query_key_value, RoPE (rotate-half) on
 * the first rotary fraction of each head, a non-gated GELU MLP with biases, and (by default) the parallel
 * residual: attention and MLP both read the layer's input.
 */
function neoxConfig(raw: unknown, file: string): RuntimeModelConfig {
  const c = validate(neoxSchema, raw, file);
  const rope = parseRopeSettings(raw, file, c.rotary_emb_base ?? 10000);
  return layerNormRopeConfig('gpt_neox', c, rope, {
    numKvHeads: c.num_attention_heads,
    attentionBias: c.attention_bias,
    lmHeadBias: false,
    partialRotaryFactor: c.rotary_pct ?? rope.partialRotaryFactor,
    parallelResidual: c.use_parallel_residual,
    file,
  });
}

/**
 * Phi-1/Phi-2: one LayerNorm per layer feeding attention and MLP in parallel (the MLP's norm is the same
 * tensor), partial rotary, a non-gated gelu_new MLP, biases on every projection and on the LM head.
 */
function phiConfig(raw: unknown, file: string): RuntimeModelConfig {
  const c = validate(phiSchema, raw, file);
  const rope = parseRopeSettings(raw, file, 10000);
  return layerNormRopeConfig('phi', c, rope, {
    numKvHeads: kvHeads(c.num_attention_heads, c.num_key_value_heads, file),
    attentionBias: true,
    lmHeadBias: true,
    partialRotaryFactor: rope.partialRotaryFactor,
    parallelResidual: true,
    file,
  });
}

/** GPT-NeoX's and Phi's blocks: LayerNorms with bias, rotate-half RoPE, an ungated MLP with biases. */
function layerNormRopeConfig(
  architecture: 'gpt_neox' | 'phi',
  c: z.output<typeof neoxSchema> | z.output<typeof phiSchema>,
  rope: ReturnType<typeof parseRopeSettings>,
  o: {
    numKvHeads: number;
    attentionBias: boolean;
    lmHeadBias: boolean;
    partialRotaryFactor: number;
    parallelResidual: boolean;
    file: string;
  },
): RuntimeModelConfig {
  const headDim = wholeQuotient(c.hidden_size, c.num_attention_heads, o.file, 'num_attention_heads');
  return {
    architecture,
    ...sizes(c, c.num_attention_heads, o.numKvHeads, headDim),
    norm: 'layer',
    normEps: c.layer_norm_eps,
    normBias: true,
    normPlacement: 'pre',
    slidingWindowLayers: null,
    attnLogitSoftcap: null,
    finalLogitSoftcap: null,
    moe: null,
    qkvBias: o.attentionBias,
    qkNorm: 'none',
    oBias: o.attentionBias,
    mlpBias: true,
    lmHeadBias: o.lmHeadBias,
    mlpGated: false,
    activation: ACTIVATIONS[c.hidden_act]!,
    position: 'rope',
    ropeTheta: rope.theta,
    ropeScaling: rope.scaling,
    partialRotaryFactor: o.partialRotaryFactor,
    ropeLayout: 'rotate-half',
    slidingWindow: null,
    tieWordEmbeddings: c.tie_word_embeddings,
    embeddingScale: 1,
    attentionScale: 1 / Math.sqrt(headDim),
    parallelResidual: o.parallelResidual,
    residualScale: 1,
    logitsScale: 1,
    bosTokenId: c.bos_token_id ?? null,
    eosTokenIds: eosList(c.eos_token_id),
  };
}

/** LongRoPE's factor lists hold one entry per rotated pair of dims. */
function checkLongRopeFactors(rope: RopeSettings, headDim: number, file: string): void {
  if (rope.scaling.type !== 'longrope') return;
  const pairs = Math.floor((headDim * rope.partialRotaryFactor) / 2);
  for (const [key, list] of [
    ['short_factor', rope.scaling.shortFactor],
    ['long_factor', rope.scaling.longFactor],
  ] as const) {
    if (list.length !== pairs) {
      throw new ConfigError(
        file,
        `rope_parameters.${key}`,
        `has ${list.length} entries; the ${2 * pairs} rotated dims of each head need ${pairs}`,
      );
    }
  }
}

/** num_key_value_heads (absent: one per query head), which must divide num_attention_heads. */
function kvHeads(numHeads: number, numKvHeads: number | null | undefined, file: string): number {
  const n = numKvHeads ?? numHeads;
  if (numHeads % n !== 0)
    throw new ConfigError(
      file,
      'num_key_value_heads',
      `${n} does not divide num_attention_heads ${numHeads}`,
    );
  return n;
}

/** The size fields of a config.json that names them as Llama does (hidden_size, num_hidden_layers, ...). */
function sizes(
  c: {
    num_hidden_layers: number;
    hidden_size: number;
    intermediate_size: number;
    vocab_size: number;
    max_position_embeddings: number;
  },
  numHeads: number,
  numKvHeads: number,
  headDim: number,
) {
  return {
    numLayers: c.num_hidden_layers,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    vocabSize: c.vocab_size,
    numHeads,
    numKvHeads,
    headDim,
    maxPositionEmbeddings: c.max_position_embeddings,
  };
}

function wholeQuotient(hidden: number, heads: number, file: string, field: string): number {
  if (hidden % heads !== 0) {
    throw new ConfigError(file, field, `hidden size ${hidden} is not a multiple of the ${heads} heads`);
  }
  return hidden / heads;
}

function eosList(eos: number | readonly number[] | null | undefined): readonly number[] {
  if (eos === null || eos === undefined) return [];
  return typeof eos === 'number' ? [eos] : [...eos];
}
