/**
 * The outside oracle: logits and greedy tokens that transformers computed for the tiny checkpoints in
 * the repository's fixtures/ folder, found through test-support/fixtures.ts, which throws on a missing
 * folder: these tests never skip.
 */
import * as path from 'node:path';
import { loadCheckpoint, openSafetensors } from '@megakernel/model';
import { describe, expect, it } from 'vitest';
import { allFixtures } from '../../../../test-support/fixtures.js';
import { relativeError } from '../testing/test-helpers.js';
import { ForwardDecoder } from './decode-session.js';
import { loadDecoderWeights } from './decoder-weights.js';
import { forward } from './forward.js';
import { generateGreedy } from './generate.js';

interface Reference {
  inputIds: number[];
  logits: Float32Array;
  greedy: number[];
  /** The logits each greedy token was chosen from, where the generator recorded them (LongRoPE fixtures). */
  greedyLogits: Float32Array | null;
}

function readReference(dir: string): Reference {
  const ref = openSafetensors(path.join(dir, 'reference.safetensors'));
  try {
    const ids = (t: string): number[] => Array.from(ref.readTyped(t) as BigInt64Array, Number);
    const greedyLogits = ref.list().some((t) => t.name === 'greedy_logits')
      ? ref.readF32('greedy_logits')
      : null;
    return { inputIds: ids('input_ids'), logits: ref.readF32('logits'), greedy: ids('greedy'), greedyLogits };
  } finally {
    ref.close();
  }
}

describe('fixtures (transformers 5.17 logits and greedy tokens)', () => {
  for (const { name, dir } of allFixtures()) {
    describe(name, () => {
      const checkpoint = loadCheckpoint(dir);
      const weights = loadDecoderWeights(checkpoint);
      const ref = readReference(dir);

      // 1e-4 relative over the whole [T, vocab] array (the brief's bound): transformers computed in
      // f32 on the same bf16-valued weights; we accumulate in double, measured ~5e-7.
      it('forward reproduces the logits of every position to 1e-4 relative', () => {
        const logits = forward(weights, ref.inputIds);
        expect(logits.length).toBe(ref.logits.length);
        expect(relativeError(logits, ref.logits)).toBeLessThan(1e-4);
      });

      // transformers' min_new_tokens=24 masked eos until 24 tokens existed, so eos is suppressed here.
      it('greedy decoding with the KV cache reproduces the 24 tokens', () => {
        const eos = checkpoint.config.eosTokenIds.filter((t) => t < checkpoint.config.vocabSize);
        expect(generateGreedy(weights, ref.inputIds, ref.greedy.length, { suppressTokens: eos })).toEqual(
          ref.greedy,
        );
      });

      // The decode steps' own logits, 1e-4 like the prompt's: tokens alone could hide a wrong rotation
      // (phi3-tiny-longrope-crossing picks the same tokens with the long factors everywhere).
      if (ref.greedyLogits !== null) {
        it("the logits of every decode step equal transformers' cached steps to 1e-4 relative", () => {
          const vocab = checkpoint.config.vocabSize;
          const decoder = new ForwardDecoder(weights, { maxSeqLen: ref.inputIds.length + ref.greedy.length });
          decoder.reset(ref.inputIds.length);
          let logits: Float32Array = new Float32Array(0);
          for (const t of ref.inputIds) logits = decoder.step(t);
          ref.greedy.forEach((token, i) => {
            const want = ref.greedyLogits!.subarray(i * vocab, (i + 1) * vocab);
            expect(relativeError(logits, want), `decode step ${i}`).toBeLessThan(1e-4);
            logits = decoder.step(token);
          });
        });
      }
    });
  }
});
