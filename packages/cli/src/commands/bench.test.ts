import { describe, expect, it } from 'vitest';
import { runBuiltCli } from '../testing/built-cli.js';

describe('megakernel bench', () => {
  it('reports tokens per second of the CPU VM and the direct forward pass', async () => {
    const r = await runBuiltCli(['bench', '--tokens', '4', '--queues', '8']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}cpu +program on the CPU VM +[\d.]+ tok\/s +[\d.]+ ms\/token$/m);
    expect(r.stdout).toMatch(/^ {2}reference +direct forward \(CPU\) +[\d.]+ tok\/s/m);
    expect(r.stdout).toMatch(/^ {2}cuda +(skipped: .+|program on the GPU +[\d.]+ tok\/s.*)$/m);
  });
});
