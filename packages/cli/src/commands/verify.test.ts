import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorLine, runBuiltCli } from '../testing/built-cli.js';
import { fixtureDirs } from '../testing/fixtures.js';
import { tempPath } from '../testing/temp.js';

const llamaTiny = () => fixtureDirs().find((d) => path.basename(d) === 'llama-tiny')!;

describe('megakernel verify', () => {
  it('passes a model on the CPU VM against the direct forward pass and transformers', async () => {
    const r = await runBuiltCli(['verify', llamaTiny(), '--kv-dtype', 'f32']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/VM vs direct forward: +max rel error [\d.e+-]+/);
    expect(r.stdout).toMatch(
      /VM vs transformers: +max rel error [\d.e+-]+, max abs [\d.e+-]+, argmax agrees 41\/41/,
    );
    expect(r.stdout).toMatch(
      /^PASS: every compared line within its tolerance \(VM vs direct forward [\d.e+-]+\)$/m,
    );
    expect(r.stdout).toMatch(/^ {2}VM vs direct forward: +max rel error .* \(tolerance 0\.0001\)$/m);
  });

  it('verifies a program file against the checkpoint given with --model', async () => {
    const program = tempPath('default.mkp');
    expect((await runBuiltCli(['compile', 'default', '--queues', '4', '-o', program])).code).toBe(0);
    const r = await runBuiltCli(['verify', program, '--model', 'default', '--prompt', 'Ahab']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^default\.mkp: 4 positions, vocab 256/);
    expect(r.stdout).toMatch(/^PASS/m);
  });

  it('exits 1 when the error is above the tolerance', async () => {
    const r = await runBuiltCli(['verify', 'default', '--prompt', 'Ahab', '--tolerance', '1e-30']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL/m);
    expect(errorLine(r.stderr)).toMatch(/verification failed/);
  });

  it('exits 2 for a program file without --model', async () => {
    const program = tempPath('p.mkp');
    await runBuiltCli(['compile', 'default', '--queues', '2', '-o', program]);
    const r = await runBuiltCli(['verify', program]);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/add --model DIR/);
  });
});
