import { generateGreedy } from '@megakernel/reference-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from './engine.js';
import { ChatTemplateError, ContextLengthError, OptionError, PromptError } from './errors.js';
import { loadModel } from './model-source.js';

describe('engine on the default model (direct forward backend)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ model: 'default', backend: 'reference' });
  });
  afterAll(() => engine.close());

  it('generates greedily what the reference greedy decoder generates', async () => {
    const prompt = 'Call me Ishmael. ';
    const out = await engine.generate(prompt, { maxTokens: 12, greedy: true }).collect();
    const { checkpoint } = loadModel('default');
    const expected = generateGreedy(checkpoint, engine.encode(prompt), 12);
    checkpoint.close();
    expect(out.ids).toEqual(expected);
    expect(out.text).toBe(engine.decode(expected));
  });

  it('samples reproducibly from a seed', async () => {
    const run = (seed: number) =>
      engine.generate('The whale', { maxTokens: 16, temperature: 0.8, seed }).collect();
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    expect(a.ids).toEqual(b.ids);
    expect(a.ids).not.toEqual(c.ids);
    expect(a.stats.seed).toBe(7);
  });

  it('resets the KV cache for each generate() call', async () => {
    await engine.generate('abc', { maxTokens: 4, greedy: true }).collect();
    expect(engine.position).toBe(3 + 3);
    const again = await engine.generate('abc', { maxTokens: 4, greedy: true }).collect();
    expect(engine.position).toBe(6);
    expect(again.stats.promptTokens).toBe(3);
  });

  it('refuses a prompt that does not fit the context, before running anything', () => {
    const long = 'x'.repeat(engine.maxSeqLen);
    expect(() => engine.generate(long, { maxTokens: 1 })).toThrow(ContextLengthError);
    expect(() => engine.generate('abc', { maxTokens: engine.maxSeqLen - 2 })).toThrow(
      /3 tokens \+ 510 new tokens exceeds the context of 512 tokens/,
    );
  });

  it('names bad prompts and options', () => {
    expect(() => engine.generate({ ids: [300] })).toThrow(PromptError);
    expect(() => engine.generate('')).toThrow(/empty/);
    expect(() => engine.generate('a', { topP: 0 })).toThrow(OptionError);
    expect(() => engine.generate('a', { maxTokens: 0 })).toThrow(OptionError);
  });

  it('has no chat template for the byte model', () => {
    expect(() => engine.generate({ messages: [{ role: 'user', content: 'hi' }] })).toThrow(ChatTemplateError);
  });
});

describe('engine on the CPU VM', () => {
  it('generates what the direct forward pass generates, through the compiled program', async () => {
    const vm = await createEngine({ backend: 'cpu', queues: 8, maxSeqLen: 64 });
    const direct = await createEngine({ backend: 'reference', maxSeqLen: 64 });
    try {
      expect(vm.backend).toBe('cpu');
      const run = (e: Engine) =>
        e.generate('It was the whale', { maxTokens: 16, temperature: 0.7, seed: 3 }).collect();
      const [a, b] = [await run(vm), await run(direct)];
      expect(a.ids).toEqual(b.ids);
      // A second call starts over from an empty KV cache.
      expect((await run(vm)).ids).toEqual(a.ids);
    } finally {
      vm.close();
      direct.close();
    }
  });
});

describe('engine options', () => {
  it('refuses a context longer than the model has positions', async () => {
    await expect(createEngine({ backend: 'reference', maxSeqLen: 513 })).rejects.toThrow(
      /maxSeqLen 513 exceeds the model's 512 positions/,
    );
  });

  it("explains why 'auto' did not take the GPU", async () => {
    const engine = await createEngine({ backend: 'auto', maxSeqLen: 32 }).catch((e: Error) => e);
    if (engine instanceof Error) throw engine;
    if (engine.backend === 'cpu') expect(engine.backendReason).toMatch(/GPU path is off: .+/);
    engine.close();
  });
});
