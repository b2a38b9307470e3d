/**
 * The CPU VM's session with a prefill program (issue 10): a prompt fed through `prefill` (whole steps of
 * the prefill program, the rest through decode steps) leaves the session where feeding it token by token
 * does: the same next-token logits (to 1e-6 relative: the prefill program is the op chain, the decode
 * program the fused ops) and the same greedy continuation, also after a reset, on every fixture.
 */
import { loadCheckpoint } from '@megakernel/model';
import { VmDecoder } from '@megakernel/reference-cpu';
import { compile } from '@megakernel/scheduler';
import { describe, expect, it } from 'vitest';
import { allFixtures } from '../../../test-support/fixtures.js';
import { fixturePrompt } from './testing/fixture-prompt.js';
import { relativeError } from './testing/relative-error.js';

const PROMPT = 11; // two prefill steps of 4 tokens, then 3 decode steps
const T = 4;
const CONTINUATION = 4;

const argmax = (v: Float32Array): number => v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);

function greedy(decoder: VmDecoder, logits: Float32Array): number[] {
  const out: number[] = [];
  let l = logits;
  for (let i = 0; i < CONTINUATION; i++) {
    const id = argmax(l);
    out.push(id);
    l = decoder.step(id);
  }
  return out;
}

describe.each(allFixtures().map((f) => [f.name, f.dir]))('prefill session on %s', (_name, dir) => {
  const checkpoint = loadCheckpoint(dir);
  const prompt = fixturePrompt(dir, PROMPT);
  const maxSeqLen = PROMPT + CONTINUATION;
  const options = { queues: 3, maxSeqLen, kvDtype: 'f32' } as const;
  const decode = compile(checkpoint, options);
  const prefill = compile(checkpoint, { ...options, prefillTokens: T });

  it('prefill, then decode, as token by token; again after a reset', () => {
    const byToken = new VmDecoder(decode, checkpoint);
    let want: Float32Array = new Float32Array(0);
    for (const token of prompt) want = byToken.step(token);
    const wantTokens = greedy(byToken, want);

    const session = new VmDecoder(decode, checkpoint, {}, prefill);
    for (let round = 0; round < 2; round++) {
      session.reset(prompt.length);
      const got = session.prefill(prompt);
      expect(session.position).toBe(PROMPT);
      expect(relativeError(got, want), `round ${round}`).toBeLessThan(1e-6);
      expect(greedy(session, got), `round ${round}`).toEqual(wantTokens);
    }
  });
});

it('a prefill program for another context is refused', () => {
  const [fixture] = allFixtures();
  const checkpoint = loadCheckpoint(fixture!.dir);
  const decode = compile(checkpoint, { queues: 2, maxSeqLen: 16, kvDtype: 'f32' });
  const prefill = compile(checkpoint, { queues: 2, maxSeqLen: 12, kvDtype: 'f32', prefillTokens: 4 });
  expect(() => new VmDecoder(decode, checkpoint, {}, prefill)).toThrow(
    /maxSeqLen 12 is not the decode program's 16/,
  );
});
