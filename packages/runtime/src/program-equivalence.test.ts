/**
 * The compiled program against the direct forward pass, on every fixture checkpoint: the scheduler's
 * program (f32 KV cache) run by the CPU VM must reproduce reference-cpu's `forward` logits to 1e-6
 * relative and its greedy tokens (and transformers' own), for 1, 7 and 132 queues, under round-robin
 * and 20 seeded random interleavings each. A missing fixture folder fails; nothing is skipped.
 */
import * as path from 'node:path';
import { type Checkpoint, loadCheckpoint, openSafetensors } from '@megakernel/model';
import { forward, generateGreedy, runGreedy, runProgram } from '@megakernel/reference-cpu';
import { type CompileOptions, compile, verifyProgram } from '@megakernel/scheduler';
import { describe, expect, it } from 'vitest';
import { allFixtures } from '../../../test-support/fixtures.js';
import { relativeError } from './testing/relative-error.js';
import { variantOptions } from './testing/variant-options.js';

const SEEDS = 20;
/** Random interleavings replay a prompt prefix (longer than the Mistral fixture's window of 8) and 4 greedy tokens. */
const PREFIX = 12;
const CONTINUATION = 4;
const TOLERANCE = 1e-6;

/**
 * 7 queues also force split attention (LSE partials + reduction), split-K and 8-row tiles; the
 * unfused debugging lowering runs on 3 queues too.
 */
const VARIANTS: readonly { readonly queues: number; readonly options: Partial<CompileOptions> }[] = [
  { queues: 1, options: {} },
  { queues: 7, options: { attentionChunks: 3, splitK: 2, tileRows: 8 } },
  { queues: 132, options: {} },
  { queues: 3, options: { fused: false, attentionChunks: 2 } },
];

function readReference(dir: string): { inputIds: number[]; greedy: number[] } {
  const ref = openSafetensors(path.join(dir, 'reference.safetensors'));
  try {
    const ids = (t: string): number[] => Array.from(ref.readTyped(t) as BigInt64Array, Number);
    return { inputIds: ids('input_ids'), greedy: ids('greedy') };
  } finally {
    ref.close();
  }
}

function eosToSuppress(checkpoint: Checkpoint): number | undefined {
  return checkpoint.config.eosTokenIds.find((t) => t < checkpoint.config.vocabSize);
}

describe.each(allFixtures().map((f) => [f.name, f.dir]))('program ≡ forward on %s', (_name, dir) => {
  const checkpoint = loadCheckpoint(dir);
  const ref = readReference(dir);
  const suppress = eosToSuppress(checkpoint);
  const expected = forward(checkpoint, ref.inputIds);
  const prefix = ref.inputIds.slice(0, PREFIX);
  // Its own forward pass: under LongRoPE a prompt's logits depend on its length (transformers' rule).
  const expectedPrefix = forward(checkpoint, prefix);
  const prefixGreedy = generateGreedy(checkpoint, prefix, CONTINUATION, {
    suppressTokens: suppress === undefined ? [] : [suppress],
  });
  const maxSeqLen = ref.inputIds.length + ref.greedy.length;

  describe.each(VARIANTS)('$queues queues, $options', ({ queues, options }) => {
    const program = compile(checkpoint, {
      queues,
      maxSeqLen,
      kvDtype: 'f32',
      ...(suppress !== undefined ? { suppressToken: suppress } : {}),
      ...variantOptions(checkpoint.config, options),
    });

    it('verifies', () => {
      expect(verifyProgram(program)).toEqual({ ok: true, violations: [] });
    });

    it('round-robin: the logits of every prompt position and the 24 greedy tokens', () => {
      const logits = runProgram(program, checkpoint, ref.inputIds, { strict: true });
      expect(relativeError(logits, expected)).toBeLessThan(TOLERANCE);
      expect(runGreedy(program, checkpoint, ref.inputIds, ref.greedy.length)).toEqual(ref.greedy);
    });

    it(`${SEEDS} random interleavings: prefix logits and greedy continuation`, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const opts = { interleaving: 'random', seed } as const;
        const logits = runProgram(program, checkpoint, prefix, opts);
        const err = relativeError(logits, expectedPrefix);
        expect(err, `seed ${seed}`).toBeLessThan(TOLERANCE);
        expect(runGreedy(program, checkpoint, prefix, CONTINUATION, opts), `seed ${seed}`).toEqual(
          prefixGreedy,
        );
      }
    });
  });
});
