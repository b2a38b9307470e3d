/**
 * The op-per-step chain that models with output norms or experts take (OLMo-2's post-norms, Gemma 2's
 * sandwich norms with soft-caps and alternating windows, Mixtral's experts), on fresh random weights
 * rather than fixtures: the program on the CPU VM equals the direct forward pass, under random
 * interleavings, including a down projection wider than one instruction's input (added in column parts).
 */

import { KERNEL_LIMITS } from '@megakernel/cuda-hopper';
import {
  decodeInstruction,
  INSTRUCTION_BYTES,
  opcodeInfo,
  preset,
  type RuntimeModelConfig,
} from '@megakernel/isa';
import { forward, randomCheckpoint, runProgram } from '@megakernel/reference-cpu';
import { compile, OP_CHAIN_MAX_K } from '@megakernel/scheduler';
import { describe, expect, it } from 'vitest';

const small = {
  numLayers: 3,
  hiddenSize: 48,
  vocabSize: 96,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  maxPositionEmbeddings: 64,
  attentionScale: 1 / 4,
  bosTokenId: null,
  eosTokenIds: [],
};
const CONFIGS: Record<string, RuntimeModelConfig> = {
  // Post-norms and whole-projection q/k norms; intermediate 100 (not a tile multiple).
  'olmo2-like': { ...preset('olmo-2-1b'), ...small, intermediateSize: 100 },
  // Sandwich norms, both soft-caps (small enough to bend the logits), layers 0 and 2 sliding (window 4),
  // and an intermediate of 8,224 > OP_CHAIN_MAX_K, so the down projection is added in two column parts.
  'gemma2-like': {
    ...preset('olmo-2-1b'),
    ...small,
    architecture: 'gemma2',
    normPlacement: 'sandwich',
    qkNorm: 'none',
    activation: 'gelu_tanh',
    intermediateSize: 8224,
    embeddingScale: Math.fround(Math.sqrt(48)),
    slidingWindow: 4,
    slidingWindowLayers: [true, false, true],
    attnLogitSoftcap: 1.5,
    finalLogitSoftcap: 6,
    tieWordEmbeddings: true,
  },
  // Experts: 3 of 6 per token (more than two, so the slots add in an order other than the experts'),
  // not renormalised, an intermediate of 8,224 (each expert's down product added in two column parts).
  'mixtral-like': {
    ...preset('mixtral-8x7b'),
    ...small,
    intermediateSize: 8224,
    moe: { numExperts: 6, topK: 3, normalizeTopK: false },
  },
};
const PROMPT = [5, 17, 2, 33, 8, 8, 41, 12, 60, 3, 19];

function opcodeCounts(program: ReturnType<typeof compile>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const q of program.queues) {
    for (let i = 0; i < q.byteLength / INSTRUCTION_BYTES; i++) {
      const name = opcodeInfo(decodeInstruction(q, i * INSTRUCTION_BYTES).opcode)!.name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return counts;
}

describe('the op-per-step chain of models with output norms, soft-caps or experts', () => {
  it('takes the kernel input limit as its widest MATVEC', () => {
    expect(OP_CHAIN_MAX_K).toBe(KERNEL_LIMITS.maxVector);
  });

  for (const [name, config] of Object.entries(CONFIGS)) {
    const checkpoint = randomCheckpoint(config, { seed: 7 });
    const expected = forward(checkpoint, PROMPT);
    for (const queues of [1, 3]) {
      it(`${name}, ${queues} queues: the CPU VM equals the forward pass (1e-6), in any interleaving`, () => {
        // Three queues also cut each activation into three instructions (whole gate/up tiles each).
        const program = compile(checkpoint, {
          queues,
          maxSeqLen: 16,
          kvDtype: 'f32',
          attentionChunks: 2,
          activationParts: queues,
        });
        for (const seed of [undefined, 1, 2]) {
          const logits = runProgram(program, checkpoint, PROMPT, {
            strict: true,
            ...(seed === undefined ? {} : { interleaving: 'random' as const, seed }),
          });
          let num = 0;
          let den = 0;
          for (let i = 0; i < expected.length; i++) {
            num += (logits[i]! - expected[i]!) ** 2;
            den += expected[i]! ** 2;
          }
          expect(Math.sqrt(num / den)).toBeLessThan(1e-6);
        }
        const counts = opcodeCounts(program);
        if (name === 'mixtral-like') {
          // One routing decision per layer; each layer's 3 slots stream 3 experts' rows only.
          expect(counts.get('MOE_ROUTE')).toBe(config.numLayers);
          expect(counts.get('MATVEC')).toBeGreaterThan(0);
          expect(counts.get('ZERO')).toBe(config.numLayers);
        } else if (name === 'gemma2-like') {
          // Soft-capped logits (|logit| ≤ 6, most of them well inside) and the down projection zeroed,
          // then added in two parts.
          const magnitudes = Array.from(expected, Math.abs);
          expect(Math.max(...magnitudes)).toBeLessThanOrEqual(6);
          expect(magnitudes.filter((m) => m < 5).length).toBeGreaterThan(expected.length / 2);
          expect(counts.get('SOFTCAP')).toBeGreaterThan(0);
          expect(counts.get('ZERO')).toBe(config.numLayers);
        } else {
          expect(counts.get('HEAD_RMS_NORM')).toBe(2 * config.numLayers);
        }
      });
    }
  }
});
