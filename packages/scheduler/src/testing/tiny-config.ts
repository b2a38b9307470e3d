/** Small hand-made configs for tests: real structure (GQA, biases, learned positions) at toy sizes. */
import { preset, type RuntimeModelConfig } from '@megakernel/isa';

/** A 2-layer Llama-style model: GQA 4 heads over 2 KV heads, RoPE, SwiGLU, untied head. */
export function tinyLlama(overrides: Partial<RuntimeModelConfig> = {}): RuntimeModelConfig {
  return {
    ...preset('llama-3.2-1b'),
    numLayers: 2,
    hiddenSize: 64,
    intermediateSize: 128,
    vocabSize: 96,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 16,
    maxPositionEmbeddings: 256,
    ropeTheta: 10000,
    ropeScaling: { type: 'none' },
    tieWordEmbeddings: false,
    attentionScale: 1 / 4,
    bosTokenId: 1,
    eosTokenIds: [2],
    ...overrides,
  };
}

/** A 2-layer GPT-2-style model: LayerNorm with bias, learned positions, biases everywhere, tied head. */
export function tinyGpt2(overrides: Partial<RuntimeModelConfig> = {}): RuntimeModelConfig {
  return {
    ...preset('gpt2-124m'),
    numLayers: 2,
    hiddenSize: 64,
    intermediateSize: 256,
    vocabSize: 80,
    numHeads: 4,
    numKvHeads: 4,
    headDim: 16,
    maxPositionEmbeddings: 64,
    attentionScale: 1 / 4,
    bosTokenId: 79,
    eosTokenIds: [79],
    ...overrides,
  };
}
