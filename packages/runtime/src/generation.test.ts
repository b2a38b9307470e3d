import { ByteTokenizer } from '@megakernel/model';
import { describe, expect, it } from 'vitest';
import { resolveGenerateOptions } from './generate-options.js';
import { type GenerationContext, startGeneration } from './generation.js';
import { scriptedSession } from './testing/scripted-session.js';

const bytes = (s: string) => [...new TextEncoder().encode(s)];

function context(
  prompt: number[],
  script: number[],
  options: Parameters<typeof resolveGenerateOptions>[0] = {},
) {
  const session = scriptedSession(prompt.length, script);
  const ctx: GenerationContext = {
    session,
    tokenizer: new ByteTokenizer(),
    eosTokenIds: new Set([0]),
    prompt,
    options: resolveGenerateOptions({ greedy: true, ...options }, 256),
    isCurrent: () => true,
  };
  return { ctx, session };
}

describe('generation', () => {
  it('streams a multi-byte character as one piece, on the token that completes it', async () => {
    const script = bytes('né!'); // n, 0xC3, 0xA9, !
    const { ctx } = context(bytes('a'), script, { maxTokens: 4 });
    const tokens = [];
    for await (const t of startGeneration(ctx)) tokens.push(t);
    expect(tokens).toEqual([
      { id: 0x6e, text: 'n' },
      { id: 0xc3, text: '' },
      { id: 0xa9, text: 'é' },
      { id: 0x21, text: '!' },
    ]);
  });

  it('gives the bytes of a character cut off by maxTokens to the last token', async () => {
    const { ctx } = context(bytes('a'), bytes('xé'), { maxTokens: 2 });
    const out = await startGeneration(ctx).collect();
    expect(out.text).toBe('x\uFFFD');
    expect(out.stats.finishReason).toBe('length');
  });

  it('feeds the prompt token by token, then each new token but the last', async () => {
    const { ctx, session } = context(bytes('hi'), bytes('abc'), { maxTokens: 3 });
    const out = await startGeneration(ctx).collect();
    expect(out.ids).toEqual(bytes('abc'));
    expect(session.fed).toEqual([...bytes('hi'), ...bytes('ab')]);
    expect(out.stats).toMatchObject({ promptTokens: 2, generatedTokens: 3, decodeSteps: 2 });
  });

  it('stops on an end-of-text token, which carries no text', async () => {
    const { ctx } = context(bytes('a'), [...bytes('ok'), 0, ...bytes('zz')], { maxTokens: 10 });
    const out = await startGeneration(ctx).collect();
    expect(out).toMatchObject({ ids: [...bytes('ok'), 0], text: 'ok', stats: { finishReason: 'eos' } });
  });

  it('never emits a suppressed token', async () => {
    const { ctx } = context(bytes('a'), [0, 0, 0], { maxTokens: 3, suppressTokens: [0] });
    const out = await startGeneration(ctx).collect();
    expect(out.ids).not.toContain(0);
    expect(out.stats.finishReason).toBe('length');
  });

  it('ends before a stop string and leaves it out of the text', async () => {
    const { ctx } = context(bytes('a'), bytes('one. two. three'), { maxTokens: 20, stop: '. t' });
    const out = await startGeneration(ctx).collect();
    expect(out.text).toBe('one');
    expect(out.stats.finishReason).toBe('stop');
  });

  it('fails a generation whose session was taken by a newer one', async () => {
    const { ctx } = context(bytes('a'), bytes('abc'), { maxTokens: 3 });
    let current = true;
    const gen = startGeneration({ ...ctx, isCurrent: () => current });
    const it = gen[Symbol.asyncIterator]();
    await it.next();
    current = false;
    await expect(it.next()).rejects.toThrow(/superseded/);
  });
});
