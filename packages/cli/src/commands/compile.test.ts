import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorLine, runBuiltCli } from '../testing/built-cli.js';
import { tempPath } from '../testing/temp.js';

describe('megakernel compile', () => {
  it('writes a program file for a model folder and says what it holds', async () => {
    const out = tempPath('default.mkp');
    const r = await runBuiltCli(['compile', 'default', '--queues', '8', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^wrote .*default\.mkp \(\d+ bytes\): llama, 6 layers, hidden 256, vocab 256; \d+ instructions on 8 queues/,
    );
    expect(new TextDecoder().decode(fs.readFileSync(out).subarray(0, 6))).toBe('MKPROG');
  });

  it('compiles a preset without weights', async () => {
    const out = tempPath('gpt2.mkp');
    const r = await runBuiltCli(['compile', '--preset', 'gpt2-124m', '--max-seq-len', '128', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gpt2, 12 layers, hidden 768, vocab 50257; \d+ instructions on 132 queues/);
  });

  it('exits 2 without a model, and for an unknown preset', async () => {
    const none = await runBuiltCli(['compile']);
    expect(none.code).toBe(2);
    expect(errorLine(none.stderr)).toMatch(/missing TARGET/);
    const unknown = await runBuiltCli(['compile', '--preset', 'llama-9000']);
    expect(unknown.code).toBe(2);
    expect(errorLine(unknown.stderr)).toMatch(/'llama-9000' is invalid.*llama-3\.2-1b/);
  });

  it('exits 1 naming a model folder that does not exist', async () => {
    const r = await runBuiltCli(['compile', '/no/such/model']);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/\/no\/such\/model: checkpoint folder does not exist/);
  });
});
