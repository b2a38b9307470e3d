import { probeCuda } from '@megakernel/runtime';
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

  it('--backend times that backend only', async () => {
    const r = await runBuiltCli(['bench', '--tokens', '2', '--queues', '8', '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}cpu +program on the CPU VM +[\d.]+ tok\/s/m);
    expect(r.stdout).not.toMatch(/^ {2}(reference|cuda) /m);
  });

  it('--backend cuda without a GPU exits 1 saying why', async () => {
    const gpu = await probeCuda();
    if (gpu.ok) return; // the GPU host runs the real bench instead (gpu/run-cli-bench.sh)
    const r = await runBuiltCli(['bench', '--tokens', '2', '--backend', 'cuda']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/backend 'cuda' is not available: .+megakernel doctor/);
  });

  it('--backend names the choices when given another', async () => {
    const r = await runBuiltCli(['bench', '--backend', 'gpu']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/'gpu' is invalid.*all, cuda, cpu, reference/s);
  });
});
