import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RuntimeModelConfig } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { pendingFixtures } from '../../../test-support/fixtures.js';
import { ConfigError, UnsupportedArchitectureError } from './errors.js';
import { parseHfConfig, readHfConfig } from './hf-config.js';
import { fixtureDir, readJson, useTempDirs } from './test-helpers.js';

const tempDir = useTempDirs();

const fixtureConfig = (name: string) => readHfConfig(path.join(fixtureDir(name), 'config.json')).config;

/** What each fixture's config.json says, transcribed by hand from the files. */
const llamaCommon = {
  architecture: 'llama',
  norm: 'rms',
  normEps: 1e-5,
  normBias: false,
  normPlacement: 'pre',
  slidingWindowLayers: null,
  attnLogitSoftcap: null,
  finalLogitSoftcap: null,
  moe: null,
  qkvBias: false,
  qkNorm: 'none',
  oBias: false,
  mlpBias: false,
  lmHeadBias: false,
  mlpGated: true,
  activation: 'silu',
  position: 'rope',
  partialRotaryFactor: 1,
  ropeLayout: 'rotate-half',
  slidingWindow: null,
  embeddingScale: 1,
  parallelResidual: false,
  residualScale: 1,
  logitsScale: 1,
  bosTokenId: 1,
  eosTokenIds: [2],
} as const;

const EXPECTED: Record<string, RuntimeModelConfig> = {
  'llama-tiny': {
    ...llamaCommon,
    numLayers: 2,
    hiddenSize: 64,
    intermediateSize: 160,
    vocabSize: 256,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 16,
    maxPositionEmbeddings: 256,
    ropeTheta: 10000,
    ropeScaling: { type: 'none' },
    tieWordEmbeddings: false,
    attentionScale: 0.25,
  },
  'llama32-tiny-tied-rope3': {
    ...llamaCommon,
    numLayers: 3,
    hiddenSize: 96,
    intermediateSize: 256,
    vocabSize: 256,
    numHeads: 4,
    numKvHeads: 1,
    headDim: 24,
    maxPositionEmbeddings: 256,
    ropeTheta: 500000,
    ropeScaling: {
      type: 'llama3',
      factor: 32,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 64,
    },
    tieWordEmbeddings: true,
    attentionScale: 1 / Math.sqrt(24),
  },
  'mistral-tiny-swa': {
    ...llamaCommon,
    architecture: 'mistral',
    normEps: 1e-6,
    numLayers: 2,
    hiddenSize: 64,
    intermediateSize: 128,
    vocabSize: 256,
    numHeads: 8,
    numKvHeads: 2,
    headDim: 8,
    maxPositionEmbeddings: 256,
    ropeTheta: 1e6,
    ropeScaling: { type: 'none' },
    slidingWindow: 8,
    tieWordEmbeddings: false,
    attentionScale: 1 / Math.sqrt(8),
  },
  'gpt2-tiny': {
    architecture: 'gpt2',
    numLayers: 2,
    hiddenSize: 64,
    intermediateSize: 256,
    vocabSize: 256,
    numHeads: 4,
    numKvHeads: 4,
    headDim: 16,
    maxPositionEmbeddings: 128,
    norm: 'layer',
    normEps: 1e-5,
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
    activation: 'gelu_tanh',
    position: 'learned',
    ropeTheta: 0,
    ropeScaling: { type: 'none' },
    partialRotaryFactor: 1,
    ropeLayout: 'rotate-half',
    slidingWindow: null,
    tieWordEmbeddings: true,
    embeddingScale: 1,
    attentionScale: 0.25,
    parallelResidual: false,
    residualScale: 1,
    logitsScale: 1,
    bosTokenId: 50256,
    eosTokenIds: [50256],
  },
};

/** Catches a ConfigError and returns its field. */
function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).field;
  }
  throw new Error('expected a ConfigError');
}

describe('config.json of the fixtures', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name} maps to the runtime config its config.json describes`, () => {
      expect(fixtureConfig(name)).toEqual(expected);
    });
  }
});

describe('transformers 4 dialect', () => {
  it('a Llama 3.2 config with top-level rope_theta and rope_scaling parses like the transformers-5 fixture', () => {
    const v5 = readJson(path.join(fixtureDir('llama32-tiny-tied-rope3'), 'config.json'));
    const { rope_parameters: _, dtype: __, ...rest } = v5;
    const v4 = {
      ...rest,
      torch_dtype: 'bfloat16',
      transformers_version: '4.45.0',
      rope_theta: 500000.0,
      rope_scaling: {
        factor: 32.0,
        high_freq_factor: 4.0,
        low_freq_factor: 1.0,
        original_max_position_embeddings: 64,
        rope_type: 'llama3',
      },
    };
    expect(parseHfConfig(v4)).toEqual(fixtureConfig('llama32-tiny-tied-rope3'));
  });

  it('reads the pre-4.43 `type` spelling and linear scaling, and a null rope_scaling', () => {
    const base = readJson(path.join(fixtureDir('llama-tiny'), 'config.json'));
    const { rope_parameters: _, ...rest } = base;
    expect(
      parseHfConfig({ ...rest, rope_theta: 1e4, rope_scaling: { type: 'linear', factor: 2 } }).ropeScaling,
    ).toEqual({
      type: 'linear',
      factor: 2,
    });
    expect(parseHfConfig({ ...rest, rope_theta: 1e4, rope_scaling: null })).toEqual(
      fixtureConfig('llama-tiny'),
    );
  });

  it('defaults a missing head_dim to hidden / heads and missing kv heads to the head count', () => {
    const base = readJson(path.join(fixtureDir('llama-tiny'), 'config.json'));
    const { head_dim: _, num_key_value_heads: __, ...rest } = base;
    const c = parseHfConfig({ ...rest, head_dim: null });
    expect(c.headDim).toBe(16);
    expect(c.numKvHeads).toBe(4);
  });

  it('a GPT-2 config with n_inner null gets 4·n_embd and accepts an eos list', () => {
    const gpt2 = {
      activation_function: 'gelu_new',
      architectures: ['GPT2LMHeadModel'],
      bos_token_id: 50256,
      eos_token_id: [50256, 50255],
      layer_norm_epsilon: 1e-5,
      model_type: 'gpt2',
      n_ctx: 1024,
      n_embd: 768,
      n_head: 12,
      n_inner: null,
      n_layer: 12,
      n_positions: 1024,
      vocab_size: 50257,
    };
    const c = parseHfConfig(gpt2);
    expect(c.intermediateSize).toBe(3072);
    expect(c.eosTokenIds).toEqual([50256, 50255]);
    expect(c.attentionScale).toBe(1 / 8);
    expect(parseHfConfig({ ...gpt2, scale_attn_weights: false }).attentionScale).toBe(1);
  });
});

describe('Qwen2 and Mistral', () => {
  // Shaped like Qwen2.5-0.5B's config.json (a transformers-4 file).
  const qwen2 = {
    architectures: ['Qwen2ForCausalLM'],
    attention_dropout: 0.0,
    bos_token_id: 151643,
    eos_token_id: 151643,
    hidden_act: 'silu',
    hidden_size: 896,
    intermediate_size: 4864,
    max_position_embeddings: 32768,
    max_window_layers: 24,
    model_type: 'qwen2',
    num_attention_heads: 14,
    num_hidden_layers: 24,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000.0,
    sliding_window: 32768,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
    use_sliding_window: false,
    vocab_size: 151936,
  };

  it('Qwen2 has q/k/v biases but no o bias, and no sliding window unless use_sliding_window', () => {
    const c = parseHfConfig(qwen2);
    expect(c).toMatchObject({
      architecture: 'qwen2',
      headDim: 64,
      numKvHeads: 2,
      qkvBias: true,
      oBias: false,
      mlpBias: false,
      ropeTheta: 1e6,
      slidingWindow: null,
      tieWordEmbeddings: true,
      eosTokenIds: [151643],
    });
    expect(parseHfConfig({ ...qwen2, use_sliding_window: true, max_window_layers: 0 }).slidingWindow).toBe(
      32768,
    );
  });

  it('Qwen2 with sliding windows on the layers from max_window_layers on has a per-layer pattern', () => {
    const c = parseHfConfig({ ...qwen2, use_sliding_window: true, max_window_layers: 12 });
    expect(c.slidingWindow).toBe(32768);
    expect(c.slidingWindowLayers).toEqual(Array.from({ length: 24 }, (_, i) => i >= 12));
    // Sliding layers without a window size are a named error.
    const types = Array.from({ length: 24 }, (_, i) => (i % 2 ? 'full_attention' : 'sliding_attention'));
    expect(fieldOf(() => parseHfConfig({ ...qwen2, sliding_window: null, layer_types: types }))).toBe(
      'sliding_window',
    );
  });

  // Qwen3-0.6B's config.json (the published file's keys, transformers-4 dialect).
  const qwen3 = {
    architectures: ['Qwen3ForCausalLM'],
    attention_bias: false,
    bos_token_id: 151643,
    eos_token_id: 151645,
    head_dim: 128,
    hidden_act: 'silu',
    hidden_size: 1024,
    intermediate_size: 3072,
    max_position_embeddings: 40960,
    max_window_layers: 28,
    model_type: 'qwen3',
    num_attention_heads: 16,
    num_hidden_layers: 28,
    num_key_value_heads: 8,
    rms_norm_eps: 1e-6,
    rope_scaling: null,
    rope_theta: 1000000,
    sliding_window: null,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
    use_sliding_window: false,
    vocab_size: 151936,
  };

  it('Qwen3 has per-head q/k norms, no biases by default, and its own head_dim', () => {
    const c = parseHfConfig(qwen3);
    expect(c).toMatchObject({
      architecture: 'qwen3',
      qkNorm: 'per-head',
      headDim: 128,
      numHeads: 16,
      hiddenSize: 1024,
      qkvBias: false,
      oBias: false,
      mlpBias: false,
      normEps: 1e-6,
      ropeTheta: 1e6,
      slidingWindow: null,
      tieWordEmbeddings: true,
      attentionScale: 1 / Math.sqrt(128),
      eosTokenIds: [151645],
    });
    // attention_bias covers q, k, v and o, as in Qwen3Attention.
    expect(parseHfConfig({ ...qwen3, attention_bias: true })).toMatchObject({ qkvBias: true, oBias: true });
    // Without head_dim, Qwen3Config's default (128) applies, not hidden / heads (64).
    const { head_dim: _, ...noHeadDim } = qwen3;
    expect(parseHfConfig(noHeadDim).headDim).toBe(128);
    expect(parseHfConfig({ ...qwen2, head_dim: undefined }).qkNorm).toBe('none');
  });

  // OLMo-2-0425-1B's config.json (the published file's keys).
  const olmo2 = {
    architectures: ['Olmo2ForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    eos_token_id: 100257,
    hidden_act: 'silu',
    hidden_size: 2048,
    initializer_range: 0.02,
    intermediate_size: 8192,
    max_position_embeddings: 4096,
    model_type: 'olmo2',
    num_attention_heads: 16,
    num_hidden_layers: 16,
    num_key_value_heads: 16,
    pad_token_id: 100277,
    rms_norm_eps: 1e-6,
    rope_scaling: null,
    rope_theta: 500000,
    tie_word_embeddings: false,
    vocab_size: 100352,
  };

  it('OLMo-2 normalises block outputs, and q and k over the whole projection', () => {
    expect(parseHfConfig(olmo2)).toMatchObject({
      architecture: 'olmo2',
      normPlacement: 'post',
      slidingWindowLayers: null,
      attnLogitSoftcap: null,
      finalLogitSoftcap: null,
      moe: null,
      qkNorm: 'whole',
      headDim: 128,
      numKvHeads: 16,
      qkvBias: false,
      oBias: false,
      normEps: 1e-6,
      ropeTheta: 500000,
      slidingWindow: null,
      tieWordEmbeddings: false,
      eosTokenIds: [100257],
    });
    expect(parseHfConfig(qwen3).normPlacement).toBe('pre');
    // Olmo2Config's own default eps (1e-5), not Llama's.
    const { rms_norm_eps: _, ...noEps } = olmo2;
    expect(parseHfConfig(noEps).normEps).toBe(1e-5);
    // OLMo (1)'s q/k/v clamp is not built: a named error, not a silently unclamped model.
    expect(() => parseHfConfig({ ...olmo2, clip_qkv: 8 })).toThrow(/clip_qkv.*not supported/);
    expect(parseHfConfig({ ...olmo2, clip_qkv: null }).architecture).toBe('olmo2');
  });

  // Gemma-2B's config.json (the published file's keys).
  const gemma = {
    architectures: ['GemmaForCausalLM'],
    attention_bias: false,
    bos_token_id: 2,
    eos_token_id: 1,
    head_dim: 256,
    hidden_act: 'gelu',
    hidden_activation: 'gelu_pytorch_tanh',
    hidden_size: 2048,
    intermediate_size: 16384,
    max_position_embeddings: 8192,
    model_type: 'gemma',
    num_attention_heads: 8,
    num_hidden_layers: 18,
    num_key_value_heads: 1,
    pad_token_id: 0,
    rms_norm_eps: 1e-6,
    rope_theta: 10000.0,
    vocab_size: 256000,
  };

  it('Gemma: tanh GeGLU from hidden_activation, sqrt(hidden) embedding scale, tied by default, head_dim 256', () => {
    expect(parseHfConfig(gemma)).toMatchObject({
      architecture: 'gemma',
      activation: 'gelu_tanh',
      mlpGated: true,
      headDim: 256,
      numKvHeads: 1,
      embeddingScale: Math.fround(Math.sqrt(2048)),
      attentionScale: 1 / 16,
      tieWordEmbeddings: true,
      qkvBias: false,
      slidingWindow: null,
      bosTokenId: 2,
      eosTokenIds: [1],
    });
    // hidden_activation absent: transformers uses the tanh form whatever hidden_act says.
    const { hidden_activation: _, ...noActivation } = gemma;
    expect(parseHfConfig(noActivation).activation).toBe('gelu_tanh');
    const { head_dim: __, ...noHeadDim } = gemma;
    expect(parseHfConfig(noHeadDim).headDim).toBe(256);
    expect(parseHfConfig({ ...gemma, tie_word_embeddings: false }).tieWordEmbeddings).toBe(false);
  });

  it('Granite: its four multipliers, the softmax scale being attention_multiplier itself; 1 when absent', () => {
    const granite = {
      model_type: 'granite',
      hidden_size: 2048,
      intermediate_size: 8192,
      num_hidden_layers: 40,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      vocab_size: 49155,
      max_position_embeddings: 4096,
      rms_norm_eps: 1e-5,
      embedding_multiplier: 12,
      residual_multiplier: 0.22,
      attention_multiplier: 0.015625,
      logits_scaling: 8,
      tie_word_embeddings: true,
    };
    expect(parseHfConfig(granite)).toMatchObject({
      architecture: 'granite',
      headDim: 64,
      embeddingScale: 12,
      residualScale: 0.22,
      attentionScale: 0.015625,
      logitsScale: 1 / 8,
      tieWordEmbeddings: true,
      mlpGated: true,
      activation: 'silu',
    });
    const {
      embedding_multiplier: _,
      residual_multiplier: __,
      attention_multiplier: ___,
      logits_scaling: ____,
      ...bare
    } = granite;
    expect(parseHfConfig(bare)).toMatchObject({
      embeddingScale: 1,
      residualScale: 1,
      attentionScale: 1,
      logitsScale: 1,
    });
    // Other families ignore the keys.
    const llama = parseHfConfig({ ...granite, model_type: 'llama' });
    expect(llama).toMatchObject({
      embeddingScale: 1,
      residualScale: 1,
      logitsScale: 1,
      attentionScale: 1 / 8,
    });
    expect(() => parseHfConfig({ ...granite, logits_scaling: 0 })).toThrow(/logits_scaling/);
  });

  it('GPT-NeoX: LayerNorms with bias, partial rotary from rotary_pct or rope_parameters, parallel residual by default', () => {
    const neox = readJson(path.join(fixtureDir('gpt-neox-tiny'), 'config.json'));
    const c = parseHfConfig(neox);
    // LayerNorm with bias; biases on q/k/v, o and the MLP; no gate.
    expect([c.norm, c.normBias, c.qkvBias, c.oBias, c.mlpBias, c.mlpGated]).toEqual([
      'layer',
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(c).toMatchObject({
      architecture: 'gpt_neox',
      activation: 'gelu',
      numKvHeads: 4,
      headDim: 16,
      partialRotaryFactor: 0.25,
      ropeLayout: 'rotate-half',
      parallelResidual: true,
      tieWordEmbeddings: false,
      attentionScale: 1 / 4,
    });
    // The transformers-4 dialect (rotary_pct, rotary_emb_base) of a Pythia config.
    const { rope_parameters: _, use_parallel_residual: __, ...v4 } = neox;
    expect(parseHfConfig({ ...v4, rotary_pct: 0.5, rotary_emb_base: 5000 })).toMatchObject({
      partialRotaryFactor: 0.5,
      ropeTheta: 5000,
      parallelResidual: true,
    });
    expect(parseHfConfig({ ...neox, use_parallel_residual: false }).parallelResidual).toBe(false);
  });

  it('Phi-2: one LayerNorm for attention and MLP in parallel, partial rotary, LM-head bias; qk_layernorm refused', () => {
    const phi = readJson(path.join(fixtureDir('phi2-tiny-partial'), 'config.json'));
    expect(parseHfConfig(phi)).toMatchObject({
      architecture: 'phi',
      parallelResidual: true,
      partialRotaryFactor: 0.5,
      lmHeadBias: true,
      activation: 'gelu_tanh',
      headDim: 16,
    });
    expect(() => parseHfConfig({ ...phi, qk_layernorm: true }, 'p/config.json')).toThrow(/qk_layernorm/);
  });

  it('Phi-3: LongRoPE factors, the attention factor from max / original context, fused projections', () => {
    const phi3 = readJson(path.join(fixtureDir('phi3-tiny-longrope'), 'config.json'));
    const short = [1, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3, 1.35];
    const long = [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5];
    // LongRoPE's paper formula: sqrt(1 + ln(s) / ln(original)), s = 256 / 32.
    const attentionFactor = Math.sqrt(1 + Math.log(8) / Math.log(32));
    const c = parseHfConfig(phi3);
    expect(c).toMatchObject({
      architecture: 'phi3',
      norm: 'rms',
      qkvBias: false,
      mlpGated: true,
      activation: 'silu',
      headDim: 16,
      slidingWindow: null,
      tieWordEmbeddings: false,
    });
    expect(c.ropeScaling).toEqual({
      type: 'longrope',
      factor: 8,
      shortFactor: short,
      longFactor: long,
      originalMaxPositionEmbeddings: 32,
      attentionFactor: expect.closeTo(attentionFactor, 12),
    });
    // The transformers-4 dialect of Phi-3-mini-128k: original context at the top level, the RoPE type
    // spelled "su" in the first releases, no factor; an explicit attention_factor wins.
    const { rope_parameters, ...v4 } = phi3;
    const rp = rope_parameters as Record<string, unknown>;
    const v4Config = {
      ...v4,
      rope_theta: 10000,
      rope_scaling: { type: 'su', short_factor: short, long_factor: long },
    };
    expect(parseHfConfig(v4Config).ropeScaling).toMatchObject({
      type: 'longrope',
      factor: 8,
      originalMaxPositionEmbeddings: 32,
    });
    expect(
      parseHfConfig({ ...v4Config, rope_scaling: { ...v4Config.rope_scaling, attention_factor: 1.5 } })
        .ropeScaling,
    ).toMatchObject({ attentionFactor: 1.5 });
    // transformers 5 prefers rope_parameters.factor to the ratio of the context lengths.
    expect(parseHfConfig({ ...phi3, rope_parameters: { ...rp, factor: 2 } }).ropeScaling).toMatchObject({
      factor: 2,
      attentionFactor: expect.closeTo(Math.sqrt(1 + Math.log(2) / Math.log(32)), 12),
    });
    // Named errors: a missing list, lists of different lengths, a list that does not fit the rotary dims.
    const { short_factor: _, ...noShort } = rp;
    expect(fieldOf(() => parseHfConfig({ ...phi3, rope_parameters: noShort }))).toBe(
      'rope_parameters.short_factor',
    );
    expect(fieldOf(() => parseHfConfig({ ...phi3, rope_parameters: { ...rp, long_factor: [1, 2] } }))).toBe(
      'rope_parameters.long_factor',
    );
    expect(
      fieldOf(() =>
        parseHfConfig({
          ...phi3,
          rope_parameters: { ...rp, short_factor: [1, 2, 3], long_factor: [1, 2, 3] },
        }),
      ),
    ).toBe('rope_parameters.short_factor');
    // Phi3Config's sliding_window covers every layer.
    expect(parseHfConfig({ ...phi3, sliding_window: 12 }).slidingWindow).toBe(12);
  });

  it('Mistral with sliding_window null has full attention; absent means transformers default 4096', () => {
    const mistral = readJson(path.join(fixtureDir('mistral-tiny-swa'), 'config.json'));
    expect(parseHfConfig({ ...mistral, sliding_window: null }).slidingWindow).toBeNull();
    const { sliding_window: _, ...rest } = mistral;
    expect(parseHfConfig(rest).slidingWindow).toBe(4096);
  });
});

describe('Mixtral (mixtral)', () => {
  const mixtral = () => readJson(path.join(fixtureDir('mixtral-tiny-moe'), 'config.json'));
  it('reads the experts: top num_experts_per_tok of num_local_experts, renormalised', () => {
    const c = parseHfConfig(mixtral());
    expect(c.moe).toEqual({ numExperts: 5, topK: 2, normalizeTopK: true });
    expect(c.mlpGated).toBe(true);
    expect(c.activation).toBe('silu');
  });
  it("MixtralConfig's defaults: 8 experts, 2 per token, no sliding window", () => {
    const { num_local_experts: _, num_experts_per_tok: __, sliding_window: ___, ...rest } = mixtral();
    const c = parseHfConfig(rest);
    expect(c.moe).toEqual({ numExperts: 8, topK: 2, normalizeTopK: true });
    expect(c.slidingWindow).toBeNull();
    expect(parseHfConfig({ ...mixtral(), sliding_window: 16 }).slidingWindow).toBe(16);
  });
  it('more experts per token than experts is a named error', () => {
    expect(() => parseHfConfig({ ...mixtral(), num_experts_per_tok: 6 }, 'x/config.json')).toThrow(
      /num_experts_per_tok.*6.*num_local_experts \(5\)/,
    );
  });
});

describe('fixtures of families not supported yet (fixtures/pending)', () => {
  it('is empty: every family issue 11 has a fixture for is supported', () => {
    const types = pendingFixtures().map((f) => readJson(path.join(f.dir, 'config.json')).model_type);
    expect(types.sort()).toEqual([]);
  });
  // When a family gains support, this fails: move its fixture up into fixtures/ so every test runs it.
  for (const { name, dir } of pendingFixtures()) {
    it(`${name} is still refused as an unsupported architecture`, () => {
      const file = path.join(dir, 'config.json');
      const modelType = String(readJson(file).model_type);
      expect(() => readHfConfig(file)).toThrow(UnsupportedArchitectureError);
      expect(() => readHfConfig(file)).toThrow(new RegExp(`'${modelType}'`));
    });
  }
});

describe('bad config.json is a named error', () => {
  const llama = () => readJson(path.join(fixtureDir('llama-tiny'), 'config.json'));

  it('an unknown model_type names it and the supported families', () => {
    const run = () => parseHfConfig({ ...llama(), model_type: 'bloom' }, 'x/config.json');
    expect(run).toThrow(UnsupportedArchitectureError);
    expect(run).toThrow(/'bloom'.*supported: llama, mistral, gpt2, qwen2, qwen3/);
  });

  it('an unknown architectures class without model_type is named', () => {
    const { model_type: _, ...rest } = llama();
    expect(() => parseHfConfig({ ...rest, architectures: ['FalconForCausalLM'] })).toThrow(
      /'FalconForCausalLM'/,
    );
    expect(parseHfConfig(rest).architecture).toBe('llama');
  });

  it('a missing or mistyped field names the field and the file', () => {
    const { hidden_size: _, ...rest } = llama();
    expect(fieldOf(() => parseHfConfig(rest))).toBe('hidden_size');
    expect(() => parseHfConfig({ ...llama(), num_attention_heads: '4' }, '/m/config.json')).toThrow(
      /\/m\/config\.json: field 'num_attention_heads'/,
    );
    expect(fieldOf(() => parseHfConfig({ ...llama(), hidden_act: 'swiglu-9000' }))).toBe('hidden_act');
    expect(fieldOf(() => parseHfConfig({ ...llama(), eos_token_id: 'two' }))).toBe('eos_token_id');
  });

  it('inconsistent head counts name the field', () => {
    expect(fieldOf(() => parseHfConfig({ ...llama(), num_key_value_heads: 3 }))).toBe('num_key_value_heads');
    const { head_dim: _, ...rest } = llama();
    expect(fieldOf(() => parseHfConfig({ ...rest, num_attention_heads: 5, num_key_value_heads: 5 }))).toBe(
      'head_dim',
    );
  });

  it('llama3 RoPE without its parameters, or an unsupported RoPE type, names the field', () => {
    const rope = {
      rope_theta: 5e5,
      rope_type: 'llama3',
      factor: 32,
      low_freq_factor: 1,
      high_freq_factor: 4,
    };
    expect(fieldOf(() => parseHfConfig({ ...llama(), rope_parameters: rope }))).toBe(
      'rope_parameters.original_max_position_embeddings',
    );
    const { rope_parameters: _, ...rest } = llama();
    expect(fieldOf(() => parseHfConfig({ ...rest, rope_scaling: { rope_type: 'yarn', factor: 4 } }))).toBe(
      'rope_scaling.rope_type',
    );
    expect(fieldOf(() => parseHfConfig({ ...llama(), rope_parameters: { rope_theta: 'big' } }))).toBe(
      'rope_parameters.rope_theta',
    );
  });

  it('a config.json that is not JSON is a ConfigError naming the file', () => {
    const file = path.join(tempDir(), 'config.json');
    fs.writeFileSync(file, '{"model_type": "llama",');
    expect(() => readHfConfig(file)).toThrow(ConfigError);
    expect(() => readHfConfig(file)).toThrow(file);
  });
});
