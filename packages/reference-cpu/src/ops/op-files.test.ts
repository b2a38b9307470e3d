import { readdirSync } from 'node:fs';
import { OPCODES } from '@megakernel/isa';
import { expect, it } from 'vitest';
import { EXECUTORS } from '../vm/executors.js';

// The twin VMs keep one file per op: csrc/ops/<name>.cuh on the GPU, src/ops/<name in kebab-case>.ts here.
const cudaOps = new URL('../../../cuda-hopper/csrc/ops/', import.meta.url);
const cpuOps = new URL('./', import.meta.url);

const basenames = (dir: URL, ext: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.endsWith(`.test${ext}`))
    .map((f) => f.slice(0, -ext.length));

it('has one op file per CUDA op file, and no other', () => {
  const cuda = basenames(cudaOps, '.cuh').sort();
  const cpu = basenames(cpuOps, '.ts')
    .map((name) => name.replaceAll('-', '_'))
    .sort();
  expect(cuda.length).toBeGreaterThan(0);
  expect(cpu).toEqual(cuda);
});

it("names every executable opcode's file (its descriptor's `file`) on both sides, and every file names an opcode", () => {
  const cuda = new Set(basenames(cudaOps, '.cuh'));
  const files = new Set<string>();
  for (const o of OPCODES) {
    if (o.status !== 'executable') continue;
    expect(o.file, `${o.name} has no file`).toBeDefined();
    files.add(o.file!);
    expect(cuda.has(o.file!), `${o.name}: csrc/ops/${o.file}.cuh`).toBe(true);
    expect(o.name in EXECUTORS, `${o.name} has a CPU executor`).toBe(true);
  }
  expect([...cuda].sort()).toEqual([...files].sort());
});
