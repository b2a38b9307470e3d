import { describe, expect, it } from 'vitest';
import { lowerForTests } from '../testing/lower-for-tests.js';
import { randomCheckpoint } from '../testing/random-checkpoint.js';
import { TINY_CONFIGS } from '../testing/tiny-configs.js';
import { runProgram } from './run-program.js';
import { createVmSession } from './vm-session.js';

const PROMPT = [5, 17, 2, 33, 8, 41];

describe('createVmSession', () => {
  const config = Object.values(TINY_CONFIGS)[0]!;
  const checkpoint = randomCheckpoint(config, { seed: 5 });
  const program = lowerForTests(checkpoint, { queues: 3, maxSeqLen: 8 });
  const vocab = config.vocabSize;

  it('gives, token by token, exactly the logits runProgram gives for the whole prompt', () => {
    const all = runProgram(program, checkpoint, PROMPT);
    const session = createVmSession(program, checkpoint);
    PROMPT.forEach((token, pos) => {
      expect(session.position).toBe(pos);
      expect(session.step(token)).toEqual(all.subarray(pos * vocab, (pos + 1) * vocab));
    });
  });

  it('starts over after reset', () => {
    const session = createVmSession(program, checkpoint);
    const first = session.step(PROMPT[0]!);
    session.step(PROMPT[1]!);
    session.reset();
    expect(session.position).toBe(0);
    expect(session.step(PROMPT[0]!)).toEqual(first);
  });

  it('refuses a token outside the vocabulary and a position past maxSeqLen', () => {
    const session = createVmSession(program, checkpoint);
    expect(() => session.step(vocab)).toThrow(/outside the vocabulary/);
    for (let i = 0; i < 8; i++) session.step(1);
    expect(() => session.step(1)).toThrow(/past the program's maxSeqLen 8/);
  });
});
