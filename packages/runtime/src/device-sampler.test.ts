/**
 * The device sampler (SAMPLE, scheduler option deviceSampler) against the host sampler, on every fixture
 * the fused lowering takes: the CPU VM runs the sampler program over the prompt and n new tokens in one
 * run, each token drawn in-program from the LM head tiles' candidates; the oracle feeds the same tokens
 * through the program without a sampler and draws each with sampleToken from its logits and the same
 * seeded generator. They must agree token for token (the same f64 arithmetic on the same f32 logits),
 * for several seeds, top-k and top-p settings, 1 and 5 queues (one LM head tile and several), and the
 * greedy settings must give runGreedy's tokens.
 */
import { type LoadedCheckpoint, loadCheckpoint } from '@megakernel/model';
import { createRng, runGreedy, runProgram, runSampled, sampleToken } from '@megakernel/reference-cpu';
import { compile, needsOpChain, verifyProgram } from '@megakernel/scheduler';
import { describe, expect, it } from 'vitest';
import { allFixtures } from '../../../test-support/fixtures.js';
import { fixturePrompt } from './testing/fixture-prompt.js';

const PROMPT = 5;
const NEW = 6;
const SETTINGS = [
  { temperature: 0.8, topK: 40, topP: 0.95 },
  { temperature: 1.5, topK: 64, topP: 1 },
  { temperature: 0.3, topK: 2, topP: 0.5 },
];

/** The host's draws: each token sampled from the plain program's logits of the sequence so far. */
function hostSampled(
  checkpoint: LoadedCheckpoint,
  queues: number,
  prompt: number[],
  setting: (typeof SETTINGS)[number],
  seed: number,
): number[] {
  const plain = compile(checkpoint, { queues, maxSeqLen: PROMPT + NEW });
  const vocab = checkpoint.config.vocabSize;
  const rng = createRng(seed);
  const seq = [...prompt];
  const out: number[] = [];
  for (let i = 0; i < NEW; i++) {
    const logits = runProgram(plain, checkpoint, seq).subarray((seq.length - 1) * vocab, seq.length * vocab);
    const id = sampleToken(logits, rng, setting);
    out.push(id);
    seq.push(id);
  }
  return out;
}

const fused = allFixtures().filter((f) => !needsOpChain(loadCheckpoint(f.dir).config));

describe.each(fused.map((f) => [f.name, f.dir]))('device sampler ≡ host sampler on %s', (_name, dir) => {
  const checkpoint = loadCheckpoint(dir);
  const prompt = fixturePrompt(dir, PROMPT);

  describe.each([1, 5])('%i queues', (queues) => {
    const program = compile(checkpoint, { queues, maxSeqLen: PROMPT + NEW, deviceSampler: true });

    it('verifies, with one candidate list per LM head tile', () => {
      expect(verifyProgram(program)).toEqual({ ok: true, violations: [] });
      const lists = program.tensors[program.io.candidates!]!.shape[0];
      expect(lists).toBe((program.meta.tiling as { instructions: { lmHead: number } }).instructions.lmHead);
    });

    it.each(SETTINGS.map((s, i) => [i, s]))('setting %i draws the host tokens for 2 seeds', (_i, setting) => {
      for (const seed of [1, 20261203]) {
        const device = runSampled(program, checkpoint, prompt, NEW, setting, createRng(seed));
        expect(device, `seed ${seed}`).toEqual(hostSampled(checkpoint, queues, prompt, setting, seed));
      }
    });

    it('greedy settings leave the argmax', () => {
      const greedy = runGreedy(program, checkpoint, prompt, NEW);
      for (const setting of [
        { temperature: 0, topK: 0, topP: 1 },
        { temperature: 0.8, topK: 1, topP: 0.9 },
      ])
        expect(runSampled(program, checkpoint, prompt, NEW, setting, createRng(3))).toEqual(greedy);
      // And the sampling settings do leave it (else the agreement above would prove nothing).
      const hot = [1, 2, 3].map((seed) =>
        runSampled(program, checkpoint, prompt, NEW, SETTINGS[1]!, createRng(seed)),
      );
      expect(hot.some((tokens) => tokens.join() !== greedy.join())).toBe(true);
    });
  });
});
