import { describe, expect, it } from 'vitest';
import { errorLine, runBuiltCli } from '../testing/built-cli.js';

describe('megakernel inspect', () => {
  it('reports instructions per op, bytes per token, estimated time and the critical path of a preset', async () => {
    const r = await runBuiltCli([
      'inspect',
      '--preset',
      'gpt2-124m',
      '--max-seq-len',
      '256',
      '--queues',
      '32',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gpt2-124m: gpt2, 12 layers/);
    expect(r.stdout).toMatch(/\| gate-up \| \d+ \|/);
    expect(r.stdout).toMatch(/bytes per token: weights [\d.,]+ MB/);
    expect(r.stdout).toMatch(/estimated step at context 256: [\d.,]+ µs/);
    expect(r.stdout).toMatch(/critical path: \d+ instructions/);
  });

  it('reports a model folder as JSON', async () => {
    const r = await runBuiltCli(['inspect', 'default', '--queues', '8', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { queues: number; estimate: { makespanUs: number } };
    expect(report.queues).toBe(8);
    expect(report.estimate.makespanUs).toBeGreaterThan(0);
  });

  it('exits 1 naming an unsupported architecture', async () => {
    const { unsupportedArchitectureCheckpoint } = await import('../testing/fixtures.js');
    const r = await runBuiltCli(['inspect', unsupportedArchitectureCheckpoint()]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/unsupported architecture 'bert'/);
  });
});
