/**
 * Mutation tests: every wait of a compiled program is load-bearing. Deleting any single dependency
 * or lowering any single target by one must be reported by the verifier, for every wait.
 */
import { NONE16, SYNC_WAIT0_PREVIOUS_STEP, SYNC_WAIT1_PREVIOUS_STEP } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { compile } from '../compile.js';
import { allWaits, withInstruction } from '../testing/mutate.js';
import { tinyGpt2, tinyLlama } from '../testing/tiny-config.js';
import { verifyProgram } from './verify-program.js';

const programs = {
  // Split attention (partials + reduction) and split-K down projections: every counter shape.
  'tiny llama, 5 queues, 2 chunks, split-K 2': compile(tinyLlama(), {
    queues: 5,
    maxSeqLen: 32,
    attentionChunks: 2,
    splitK: 2,
    tileRows: 8,
  }),
  'tiny gpt2, 4 queues, round-robin': compile(tinyGpt2(), {
    queues: 4,
    maxSeqLen: 32,
    assignment: 'round-robin',
  }),
  'tiny MQA llama, 16 queues': compile(tinyLlama({ numKvHeads: 1 }), { queues: 16, maxSeqLen: 16 }),
  'tiny llama unfused, 6 queues, 2 chunks': compile(tinyLlama(), {
    queues: 6,
    maxSeqLen: 16,
    fused: false,
    attentionChunks: 2,
  }),
};

describe.each(Object.entries(programs))('%s', (_, program) => {
  const waits = allWaits(program);

  it('is verified and has waits to mutate', () => {
    expect(verifyProgram(program).ok).toBe(true);
    expect(waits.length).toBeGreaterThan(10);
  });

  it('reports the deletion of any single wait', () => {
    for (const { queue, index, slot } of waits) {
      const mutant = withInstruction(program, queue, index, (inst) => {
        if (slot === 0) {
          inst.wait0Counter = NONE16;
          inst.wait0Target = 0;
          inst.syncFlags &= ~SYNC_WAIT0_PREVIOUS_STEP;
        } else {
          inst.wait1Counter = NONE16;
          inst.wait1Target = 0;
          inst.syncFlags &= ~SYNC_WAIT1_PREVIOUS_STEP;
        }
      });
      const result = verifyProgram(mutant, { maxViolations: 1 });
      expect(result.ok, `deleting queue ${queue} #${index} wait${slot}`).toBe(false);
    }
  });

  it('reports any single target lowered by one', () => {
    for (const { queue, index, slot } of waits) {
      const mutant = withInstruction(program, queue, index, (inst) => {
        if (slot === 0) inst.wait0Target -= 1;
        else inst.wait1Target -= 1;
      });
      const result = verifyProgram(mutant, { maxViolations: 1 });
      expect(result.ok, `lowering queue ${queue} #${index} wait${slot}`).toBe(false);
    }
  });
});
