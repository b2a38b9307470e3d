/**
 * Prefill programs (issue 10) against the direct forward pass, on every fixture checkpoint: a program
 * whose steps each take 7 prompt tokens (a count no tile divides), run by the CPU VM over 14 prompt
 * tokens (two steps, so the second reads the first's KV rows), must give every position's logits to
 * 1e-6 relative with an f32 KV cache, on 1 and 5 queues, round-robin, in seeded random interleavings
 * and with the last token's logits only; and the strict VM's recorded accesses must be exactly the
 * ISA's (token rows, MATMUL's token range).
 */
import { decodeQueue, Op } from '@megakernel/isa';
import { loadCheckpoint } from '@megakernel/model';
import { type AccessEvent, forward, runPrefill } from '@megakernel/reference-cpu';
import { compile, placePrefillOnDecodeState, verifyProgram } from '@megakernel/scheduler';
import { describe, expect, it } from 'vitest';
import { allFixtures } from '../../../test-support/fixtures.js';
import { accessMismatches } from './testing/access-compare.js';
import { fixturePrompt } from './testing/fixture-prompt.js';
import { relativeError } from './testing/relative-error.js';

const T = 7;
const PROMPT = 2 * T;
const TOLERANCE = 1e-6;

/** ‖a − b‖ / ‖b‖ over rows [from, to) of `vocab` values. */
describe.each(allFixtures().map((f) => [f.name, f.dir]))('prefill program ≡ forward on %s', (_name, dir) => {
  const checkpoint = loadCheckpoint(dir);
  const prompt = fixturePrompt(dir, PROMPT);
  const vocab = checkpoint.config.vocabSize;
  const expected = forward(checkpoint, prompt);

  describe.each([1, 5])('%i queues', (queues) => {
    const program = compile(checkpoint, {
      queues,
      maxSeqLen: PROMPT + 2,
      kvDtype: 'f32',
      prefillTokens: T,
      prefillLogits: 'all',
    });

    it('verifies, with one MATMUL per product tile and the other ops once per token', () => {
      expect(verifyProgram(program)).toEqual({ ok: true, violations: [] });
      expect(program.tokensPerStep).toBe(T);
    });

    it('every position: round-robin and 5 random interleavings', () => {
      const got = runPrefill(program, checkpoint, prompt);
      expect(got.length).toBe(PROMPT * vocab);
      // Each position separately: a wrong token row would hide in a whole-prompt norm.
      for (let pos = 0; pos < PROMPT; pos++)
        expect(relativeError(got, expected, pos * vocab, (pos + 1) * vocab), `position ${pos}`).toBeLessThan(
          TOLERANCE,
        );
      for (let seed = 1; seed <= 5; seed++) {
        const random = runPrefill(program, checkpoint, prompt, { interleaving: 'random', seed });
        expect(relativeError(random, expected, 0, PROMPT * vocab), `seed ${seed}`).toBeLessThan(TOLERANCE);
      }
    });
  });

  it("the last token's logits only: each step's last position", () => {
    const program = compile(checkpoint, { queues: 3, maxSeqLen: PROMPT, kvDtype: 'f32', prefillTokens: T });
    const got = runPrefill(program, checkpoint, prompt);
    expect(got.length).toBe(2 * vocab);
    const want = new Float32Array(2 * vocab);
    want.set(expected.subarray((T - 1) * vocab, T * vocab), 0);
    want.set(expected.subarray((PROMPT - 1) * vocab, PROMPT * vocab), vocab);
    expect(relativeError(got, want, 0, 2 * vocab)).toBeLessThan(TOLERANCE);
  });

  it('product tiles re-cut to 24 rows and token ranges of 3 verify and equal the forward pass', () => {
    const program = compile(checkpoint, {
      queues: 5,
      maxSeqLen: PROMPT,
      kvDtype: 'f32',
      prefillTokens: T,
      prefillLogits: 'all',
      prefillMatmulRows: 24,
      prefillMatmulTokens: 3,
    });
    expect(verifyProgram(program)).toEqual({ ok: true, violations: [] });
    const matmuls = program.queues.flatMap((q) => decodeQueue(q)).filter((i) => i.opcode === Op.MATMUL);
    expect(matmuls.length).toBeGreaterThan(0);
    expect(Math.max(...matmuls.map((i) => i.a1))).toBeLessThanOrEqual(24);
    expect(Math.max(...matmuls.map((i) => i.b0))).toBeLessThanOrEqual(3);
    const got = runPrefill(program, checkpoint, prompt);
    expect(relativeError(got, expected, 0, PROMPT * vocab)).toBeLessThan(TOLERANCE);
  });

  it("placed on the decode program's state, it computes the same logits", () => {
    const decode = compile(checkpoint, { queues: 5, maxSeqLen: PROMPT, kvDtype: 'f32' });
    const prefill = compile(checkpoint, {
      queues: 5,
      maxSeqLen: PROMPT,
      kvDtype: 'f32',
      prefillTokens: T,
      prefillLogits: 'all',
    });
    const placed = placePrefillOnDecodeState([decode], prefill).prefill;
    expect(placed.tensors.some((t, i) => t.byteOffset !== prefill.tensors[i]!.byteOffset)).toBe(true);
    expect(runPrefill(placed, checkpoint, prompt)).toEqual(runPrefill(prefill, checkpoint, prompt));
  });

  it('the strict VM makes exactly the accesses the ISA declares', () => {
    const program = compile(checkpoint, {
      queues: 3,
      maxSeqLen: PROMPT,
      kvDtype: 'f32',
      prefillTokens: T,
      prefillLogits: 'all',
    });
    const mismatches: string[] = [];
    let executed = 0;
    const onAccesses = (e: AccessEvent) => {
      executed++;
      if (mismatches.length < 10) mismatches.push(...accessMismatches(program, e));
    };
    runPrefill(program, checkpoint, prompt, { strict: true, onAccesses });
    expect(mismatches).toEqual([]);
    expect(executed).toBeGreaterThan(PROMPT);
  });
});

// The runtime's CPU backend compiles prefill programs on 132 queues (the GPU's): there the op-per-step
// chain's waits must hold without the program order few queues give. A GPT-NeoX MLP norm once waited
// on nothing at 4, 8 and 16 tokens a step (2026-12-03).
describe.each(
  allFixtures().map((f) => [f.name, f.dir]),
)('op-per-step programs verify on 132 queues: %s', (_n, dir) => {
  const checkpoint = loadCheckpoint(dir);
  it.each([1, 2, 4, 8, 16])('prefill, %i tokens a step', (tokens) => {
    const program = compile(checkpoint, {
      queues: 132,
      maxSeqLen: 40,
      kvDtype: 'f32',
      prefillTokens: tokens,
    });
    expect(verifyProgram(program)).toEqual({ ok: true, violations: [] });
  });
  it('decode, unfused', () => {
    const program = compile(checkpoint, { queues: 132, maxSeqLen: 40, kvDtype: 'f32', fused: false });
    expect(verifyProgram(program)).toEqual({ ok: true, violations: [] });
  });
});
