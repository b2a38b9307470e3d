import { describe, expect, it } from 'vitest';
import { DecoderClosedError } from '../closed-error.js';
import { argmax } from '../maths/argmax.js';
import { randomCheckpoint } from '../testing/random-checkpoint.js';
import { relativeError } from '../testing/test-helpers.js';
import { TINY_CONFIGS } from '../testing/tiny-configs.js';
import { ForwardDecoder } from './decode-session.js';
import { loadDecoderWeights } from './decoder-weights.js';
import { forward } from './forward.js';
import { generateGreedy } from './generate.js';

const PROMPT = [3, 14, 15, 9, 26, 5, 35, 8, 9, 7, 9, 32, 38, 4, 6, 26, 43, 3, 8, 32];

describe('KV-cache decoding', () => {
  for (const [name, config] of Object.entries(TINY_CONFIGS)) {
    // ≤1e-5 relative per position: both paths accumulate in double, and differ only in where f32
    // stores round (the prefill keeps [T, ·] activations, decode one row, attention via LSE partials).
    it(`equals the full-sequence forward at every position (${name}, chunked attention)`, () => {
      const weights = loadDecoderWeights(randomCheckpoint(config, { seed: 5 }));
      const full = forward(weights, PROMPT);
      const V = config.vocabSize;
      for (const chunks of [1, 3]) {
        const decoder = new ForwardDecoder(weights, { maxSeqLen: 32, attentionChunks: chunks });
        PROMPT.forEach((token, pos) => {
          const logits = decoder.step(token);
          expect(relativeError(logits, full.subarray(pos * V, (pos + 1) * V))).toBeLessThan(1e-5);
        });
      }
    });
  }

  it('generateGreedy continues with the argmax of each step and never picks a suppressed token', () => {
    const weights = loadDecoderWeights(randomCheckpoint(TINY_CONFIGS['llama-gqa']!, { seed: 9 }));
    const prompt = PROMPT.slice(0, 6);
    const tokens = generateGreedy(weights, prompt, 8);
    // Re-derive every token from a full forward over the growing sequence.
    const seq = [...prompt];
    for (const t of tokens) {
      const logits = forward(weights, seq);
      const V = weights.config.vocabSize;
      expect(t).toBe(argmax(logits.subarray((seq.length - 1) * V)));
      seq.push(t);
    }
    const banned = [...new Set(tokens)];
    expect(
      generateGreedy(weights, prompt, 8, { suppressTokens: banned }).some((t) => banned.includes(t)),
    ).toBe(false);
  });

  it('refuses to run past its cache', () => {
    const decoder = new ForwardDecoder(randomCheckpoint(TINY_CONFIGS['gpt2-mha']!), { maxSeqLen: 2 });
    decoder.step(1);
    decoder.step(2);
    expect(() => decoder.step(3)).toThrow(RangeError);
  });

  it('starts over after reset, and refuses every call after close', () => {
    const decoder = new ForwardDecoder(randomCheckpoint(TINY_CONFIGS['gpt2-mha']!), { maxSeqLen: 4 });
    const first = decoder.step(1);
    decoder.step(2);
    decoder.reset();
    expect(decoder.position).toBe(0);
    expect(decoder.step(1)).toEqual(first);
    decoder.close();
    decoder.close();
    expect(() => decoder.step(1)).toThrow(DecoderClosedError);
    expect(() => decoder.reset()).toThrow(DecoderClosedError);
  });
});
