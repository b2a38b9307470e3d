import { describe, expect, it } from 'vitest';
import { runBuiltCli } from '../testing/built-cli.js';

describe('megakernel doctor', () => {
  it('reports Node.js, the addon and whether the GPU path is on, with the reason', async () => {
    const r = await runBuiltCli(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^node: +${process.version.replace(/\./g, '\\.')}$`, 'm'));
    expect(r.stdout).toMatch(/^CUDA addon: +.+$/m);
    expect(r.stdout).toMatch(/^GPU path: (on \(.+\)|off, because .+)$/m);
  });
});
