import * as path from 'node:path';
import { openSafetensors } from '@megakernel/runtime';
import { describe, expect, it } from 'vitest';
import { runBuiltCli } from '../testing/built-cli.js';
import { fixtureDirs } from '../testing/fixtures.js';

const ids = (dir: string, name: string): number[] => {
  const st = openSafetensors(path.join(dir, 'reference.safetensors'));
  try {
    return Array.from(st.readF32(name), Math.round);
  } finally {
    st.close();
  }
};

describe("megakernel generate --ids reproduces transformers' greedy tokens", () => {
  const dirs = fixtureDirs();

  it('finds the fixtures', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(8);
  });

  it.each(dirs.map((d) => [path.basename(d), d]))('%s', async (_name, dir) => {
    const r = await runBuiltCli([
      'generate',
      '--model',
      dir,
      '--ids',
      ids(dir, 'input_ids').join(','),
      '--max-tokens',
      '24',
      '--greedy',
      '--suppress-eos',
    ]);
    expect(r.stderr).toMatch(/tok\/s/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split(' ').map(Number)).toEqual(ids(dir, 'greedy'));
  });
});
