import { describe, expect, it } from 'vitest';
import { DecoderClosedError } from '../closed-error.js';
import { lowerForTests } from '../testing/lower-for-tests.js';
import { randomCheckpoint } from '../testing/random-checkpoint.js';
import { TINY_CONFIGS } from '../testing/tiny-configs.js';
import { runProgram } from './run-program.js';
import { VmDecoder } from './vm-session.js';

const PROMPT = [5, 17, 2, 33, 8, 41];

describe('VmDecoder', () => {
  const config = Object.values(TINY_CONFIGS)[0]!;
  const checkpoint = randomCheckpoint(config, { seed: 5 });
  const program = lowerForTests(checkpoint, { queues: 3, maxSeqLen: 8 });
  const vocab = config.vocabSize;

  it('gives, token by token, exactly the logits runProgram gives for the whole prompt', () => {
    const all = runProgram(program, checkpoint, PROMPT);
    const decoder = new VmDecoder(program, checkpoint);
    expect(decoder.maxSeqLen).toBe(8);
    PROMPT.forEach((token, pos) => {
      expect(decoder.position).toBe(pos);
      expect(decoder.step(token)).toEqual(all.subarray(pos * vocab, (pos + 1) * vocab));
    });
  });

  it('starts over after reset', () => {
    const decoder = new VmDecoder(program, checkpoint);
    const first = decoder.step(PROMPT[0]!);
    decoder.step(PROMPT[1]!);
    decoder.reset();
    expect(decoder.position).toBe(0);
    expect(decoder.step(PROMPT[0]!)).toEqual(first);
  });

  it('refuses a token outside the vocabulary and a position past maxSeqLen', () => {
    const decoder = new VmDecoder(program, checkpoint);
    expect(() => decoder.step(vocab)).toThrow(/outside the vocabulary/);
    for (let i = 0; i < 8; i++) decoder.step(1);
    expect(() => decoder.step(1)).toThrow(/past the program's maxSeqLen 8/);
  });

  it('releases its memory on close, once, and refuses every call after it', () => {
    const decoder = new VmDecoder(program, checkpoint);
    decoder.step(1);
    decoder.close();
    decoder.close();
    expect(() => decoder.step(1)).toThrow(DecoderClosedError);
    expect(() => decoder.reset()).toThrow(/reset\(\) on a closed VM decoder/);
  });
});
