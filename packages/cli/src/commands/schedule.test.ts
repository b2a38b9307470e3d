import * as fs from 'node:fs';
import { probeCuda } from '@megakernel/runtime';
import { describe, expect, it } from 'vitest';
import { errorLine, runBuiltCli } from '../testing/built-cli.js';
import { tempPath } from '../testing/temp.js';

const gpu = await probeCuda();

describe('megakernel schedule', () => {
  it('draws the cost-model schedule of a preset as an SVG Gantt chart', async () => {
    const svg = tempPath('gpt2.svg');
    const r = await runBuiltCli([
      'schedule',
      '--preset',
      'gpt2-124m',
      '--max-seq-len',
      '256',
      '--queues',
      '16',
      '--svg',
      svg,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*gpt2\.svg: 16 queues, [\d.]+ µs per token estimated at context 256/);
    const text = fs.readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg /);
    expect(text).toMatch(/gpt2-124m/);
  });

  it.runIf(!gpu.ok)('exits 1 for --measured without a GPU, saying why', async () => {
    const r = await runBuiltCli([
      'schedule',
      '--preset',
      'gpt2-124m',
      '--queues',
      '8',
      '--svg',
      tempPath('m.svg'),
      '--measured',
    ]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/--measured needs the GPU: .+/);
    // schedule has no --backend option: the hint must not suggest one.
    expect(r.stderr).toMatch(/leave out --measured for the cost model's estimate/);
    expect(r.stderr).not.toMatch(/--backend/);
  });

  it('exits 2 without --svg', async () => {
    const r = await runBuiltCli(['schedule', '--preset', 'gpt2-124m']);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/required option '--svg <file>'/);
  });
});
