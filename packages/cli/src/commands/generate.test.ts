import { probeCuda } from '@megakernel/runtime';
import { describe, expect, it } from 'vitest';
import { errorLine, runBuiltCli } from '../testing/built-cli.js';
import { corruptSafetensorsCheckpoint, unsupportedArchitectureCheckpoint } from '../testing/fixtures.js';

const gpu = await probeCuda();

describe('megakernel generate', () => {
  it('continues a prompt with English-looking text from the embedded model and reports tok/s', async () => {
    const r = await runBuiltCli([
      'generate',
      'Call me Ishmael. ',
      '--max-tokens',
      '48',
      '--temperature',
      '0.8',
      '--seed',
      '1',
    ]);
    expect(r.code).toBe(0);
    const words = r.stdout.split(/\s+/).filter((w) => /^[a-z]+[,.;!?]?$/i.test(w));
    expect(words.length).toBeGreaterThan(5);
    expect(r.stderr).toMatch(/48 tokens, [\d.]+ tok\/s decode/);
  });

  it('prints generated ids, space-separated, for --ids', async () => {
    const r = await runBuiltCli(['generate', '--ids', '67,97,108,108', '--max-tokens', '5', '--greedy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+( \d+){4}\n$/);
  });

  it('exits 2 with one line for an unknown flag', async () => {
    const r = await runBuiltCli(['generate', 'x', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/unknown option '--frobnicate'/);
  });

  it('exits 2 for a bad value and for a missing prompt', async () => {
    const bad = await runBuiltCli(['generate', 'x', '--temperature', 'hot']);
    expect(bad.code).toBe(2);
    expect(errorLine(bad.stderr)).toMatch(/--temperature.*'hot' is invalid/);
    const missing = await runBuiltCli(['generate']);
    expect(missing.code).toBe(2);
    expect(errorLine(missing.stderr)).toMatch(/missing prompt/);
  });

  it('exits 1 naming a checkpoint folder that does not exist', async () => {
    const r = await runBuiltCli(['generate', 'x', '--model', '/no/such/model']);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/\/no\/such\/model: checkpoint folder does not exist/);
  });

  it('exits 1 naming a corrupt safetensors file', async () => {
    const dir = corruptSafetensorsCheckpoint();
    const r = await runBuiltCli(['generate', 'x', '--model', dir]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/model\.safetensors.*(damaged|truncated|header)/);
  });

  it('exits 1 naming an unsupported architecture', async () => {
    const r = await runBuiltCli(['generate', 'x', '--model', unsupportedArchitectureCheckpoint()]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/unsupported architecture 'bert'/);
  });

  it('exits 1 for --chat with a model that has no chat template', async () => {
    const r = await runBuiltCli(['generate', 'hello', '--chat']);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/has no chat template .*leave out --chat/);
  });

  it.runIf(!gpu.ok)('exits 1 for --backend cuda without a GPU, saying why', async () => {
    const r = await runBuiltCli(['generate', 'x', '--backend', 'cuda']);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/backend 'cuda' is not available: .+megakernel doctor/);
  });

  it('exits 1 when the prompt does not fit the context, saying what to change', async () => {
    const r = await runBuiltCli(['generate', 'x'.repeat(600), '--max-tokens', '10']);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(
      /prompt of 600 tokens \+ 10 new tokens exceeds the context of 512 tokens.*--max-tokens/,
    );
  });
});
