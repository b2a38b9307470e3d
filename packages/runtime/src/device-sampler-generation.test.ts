/**
 * generate() through a device sampler (sampleOnDevice: the first token alone after the prompt, then
 * launches of DEVICE_TOKENS_PER_LAUNCH) against generate() sampling on the host from each step's
 * logits, on the CPU VM's decoder over fixtures: the same ids for the same seed, across launches, for
 * greedy and sampling settings; settings the device sampler cannot serve go to the host.
 */
import { ByteTokenizer, loadCheckpoint } from '@megakernel/model';
import { VmDecoder } from '@megakernel/reference-cpu';
import { compile } from '@megakernel/scheduler';
import { describe, expect, it, vi } from 'vitest';
import { allFixtures } from '../../../test-support/fixtures.js';
import type { DecodeSession } from './backend.js';
import { BENCH_SAMPLING, benchDeviceDecode } from './bench.js';
import { type GenerateOptions, resolveGenerateOptions } from './generate-options.js';
import { DEVICE_TOKENS_PER_LAUNCH, startGeneration } from './generation.js';
import { fixturePrompt } from './testing/fixture-prompt.js';

const PROMPT = 5;
const NEW = DEVICE_TOKENS_PER_LAUNCH + 8; // the first token, one full launch and a shorter one
const NAMES = ['llama-tiny', 'gpt2-tiny', 'qwen2-tiny-qkv-bias'];

async function generate(
  session: DecodeSession,
  prompt: number[],
  options: GenerateOptions,
  eos: number[] = [],
) {
  session.reset(prompt.length); // as the engine does before every generate()
  const out = await startGeneration({
    session,
    tokenizer: new ByteTokenizer(),
    eosTokenIds: new Set(eos),
    prompt,
    options: resolveGenerateOptions({ maxTokens: NEW, ...options }, 256),
    isCurrent: () => true,
  }).collect();
  return { ids: out.ids, finish: out.stats.finishReason, steps: out.stats.decodeSteps };
}

describe.each(
  allFixtures()
    .filter((f) => NAMES.includes(f.name))
    .map((f) => [f.name, f.dir]),
)('generate() with a device sampler on %s', (_name, dir) => {
  const checkpoint = loadCheckpoint(dir);
  const prompt = fixturePrompt(dir, PROMPT);
  const maxSeqLen = PROMPT + NEW + 2;
  const device = new VmDecoder(
    compile(checkpoint, { queues: 4, maxSeqLen, deviceSampler: true }),
    checkpoint,
  );
  const host = new VmDecoder(compile(checkpoint, { queues: 4, maxSeqLen }), checkpoint);

  it.each([
    ['greedy', { greedy: true }],
    ['top-k 40, top-p 0.95, T 0.8', { temperature: 0.8, topK: 40, topP: 0.95, seed: 5 }],
    ['top-k 64, T 1.5', { temperature: 1.5, topK: 64, seed: 77 }],
  ] as [string, GenerateOptions][])('%s: the host-sampled ids', async (_label, options) => {
    const spy = vi.spyOn(device, 'sampleOnDevice');
    const got = await generate(device, prompt, options);
    expect(spy).toHaveBeenCalledTimes(3); // the prompt's launch and two decode launches
    spy.mockRestore();
    const want = await generate(host, prompt, options);
    expect(got.ids).toEqual(want.ids);
    expect(got.ids.length).toBe(NEW);
    expect(got.steps).toBe(NEW - 1);
  });

  it('benchDeviceDecode times device-sampled decoding where there is a sampler, and only there', async () => {
    const r = await benchDeviceDecode(device, { tokens: NEW, sampling: BENCH_SAMPLING, perLaunch: 16 });
    expect(r?.tokens).toBe(NEW);
    expect(await benchDeviceDecode(host, { tokens: NEW, sampling: BENCH_SAMPLING })).toBeNull();
  });

  it('stops at an end-of-text id inside a launch, as the host does', async () => {
    const options = { temperature: 1.5, topK: 64, seed: 3 };
    const all = (await generate(host, prompt, options)).ids;
    const eos = all[DEVICE_TOKENS_PER_LAUNCH - 3]!; // somewhere inside the first decode launch
    const got = await generate(device, prompt, options, [eos]);
    const want = await generate(host, prompt, options, [eos]);
    expect(got.ids).toEqual(want.ids);
    expect(got.finish).toBe('eos');
  });

  it('settings beyond the device sampler (top-k over every token, suppressed ids) go to the host', async () => {
    const spy = vi.spyOn(device, 'sampleOnDevice');
    for (const options of [
      { temperature: 0.9, seed: 2 },
      { greedy: true, suppressTokens: [1] },
    ] as GenerateOptions[]) {
      expect((await generate(device, prompt, options)).ids).toEqual(
        (await generate(host, prompt, options)).ids,
      );
    }
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});
