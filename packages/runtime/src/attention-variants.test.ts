/**
 * Switching between attention variants mid-sequence, on the CPU VM: programs of one model compiled with
 * 1, 2 and 3 attention chunks over one state layout (attentionScratchChunks), taking turns on one
 * session's KV cache as cuda-hopper's CudaDecoder does by context, must give the direct forward
 * pass's logits at every position (f32 KV cache, 1e-6 relative, the program-equivalence tolerance),
 * on every fixture. The GPU's run of the same switching is in cuda-hopper's gpu-tests.
 */
import { type Checkpoint, loadCheckpoint } from '@megakernel/model';
import { forward, VmDecoder } from '@megakernel/reference-cpu';
import { compile } from '@megakernel/scheduler';
import { describe, expect, it } from 'vitest';
import { allFixtures } from '../../../test-support/fixtures.js';
import { fixturePrompt } from './testing/fixture-prompt.js';
import { relativeError } from './testing/relative-error.js';

const TOLERANCE = 1e-6;
const CHUNKS = [1, 3, 2] as const;

function variants(checkpoint: Checkpoint, maxSeqLen: number) {
  return CHUNKS.map((attentionChunks) =>
    compile(checkpoint, { queues: 7, maxSeqLen, kvDtype: 'f32', attentionChunks, attentionScratchChunks: 3 }),
  );
}

describe.each(
  allFixtures().map((f) => [f.name, f.dir]),
)('attention variants taking turns on %s', (_name, dir) => {
  const checkpoint = loadCheckpoint(dir);
  const prompt = fixturePrompt(dir, 12);
  const expected = forward(checkpoint, prompt);
  const vocab = checkpoint.config.vocabSize;
  const programs = variants(checkpoint, prompt.length);

  it('every position’s logits equal the forward pass, the program switched every few tokens', () => {
    const session = new VmDecoder(programs[0]!, checkpoint, { strict: true });
    session.reset(prompt.length);
    prompt.forEach((token, pos) => {
      // 1 chunk for two positions, then 3, then 2, and round again: every switch a fresh counter epoch.
      session.switchProgram(programs[Math.floor(pos / 2) % programs.length]!);
      const logits = session.step(token);
      const err = relativeError(logits, expected.subarray(pos * vocab, (pos + 1) * vocab));
      expect(err, `position ${pos}, ${CHUNKS[Math.floor(pos / 2) % programs.length]} chunks`).toBeLessThan(
        TOLERANCE,
      );
    });
  });

  it('reset() after a switch starts a fresh sequence on the shared KV cache', () => {
    const session = new VmDecoder(programs[0]!, checkpoint);
    session.reset(prompt.length);
    session.switchProgram(programs[1]!);
    for (const token of prompt.slice(0, 3)) session.step(token);
    session.reset(prompt.length);
    session.switchProgram(programs[2]!);
    const first = session.step(prompt[0]!);
    expect(relativeError(first, expected.subarray(0, vocab))).toBeLessThan(TOLERANCE);
  });

  it('refuses a program on another state layout', () => {
    const session = new VmDecoder(programs[0]!, checkpoint);
    const other = compile(checkpoint, {
      queues: 7,
      maxSeqLen: prompt.length,
      kvDtype: 'f32',
      attentionChunks: 2,
    });
    expect(() => session.switchProgram(other)).toThrow(/not the same state layout/);
  });
});
