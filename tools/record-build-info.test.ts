import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildInfo, glibcFloor, readGpuTestLog, sha256, verifyBuildInfo } from './record-build-info.mjs';

const script = fileURLToPath(new URL('./record-build-info.mjs', import.meta.url));
const binary = Buffer.from('\x7fELF...GLIBC_2.2.5\0GLIBC_2.17\0GLIBC_2.34\0GLIBC_2.4\0', 'latin1');
const platformManifest = {
  name: '@megakernel/cuda-hopper-linux-x64-gnu',
  version: '1.2.3',
  megakernel: { glibcMin: '2.34' },
};
const log = [
  'megakernel GPU tests; probe: {...}',
  'PASS the addon under test is the one MEGAKERNEL_CUDA_ADDON names (0 ms): /runner/megakernel_cuda.node',
  'device: NVIDIA H200, 132 SMs, cc 9.0',
  'PASS op matvec: GPU = CPU VM (3 ms)',
  '',
  '347 passed, 0 failed',
].join('\n');
const facts = {
  binary,
  platformManifest,
  identity: { package: '@megakernel/cuda-hopper', addonAbi: 1, packageVersion: '1.2.3' },
  commit: 'a'.repeat(40),
  toolchain: {
    nvcc: { path: '/usr/local/cuda/bin/nvcc', version: 'Cuda compilation tools, release 13.0, V13.0.88' },
  },
  gpuTests: readGpuTestLog(log),
};
const checks = { binary, platformManifest, cudaHopperVersion: '1.2.3', commit: 'a'.repeat(40) };

describe("the platform binary's provenance record", () => {
  it('derives the glibc floor from the symbol versions the binary names', () => {
    expect(glibcFloor(binary)).toBe('2.34');
    expect(glibcFloor(Buffer.from('no symbols'))).toBeUndefined();
  });

  it('reads the GPU test log: the closing count, the device, and whether the tests ran on this binary', () => {
    expect(readGpuTestLog(log)).toEqual({
      summary: '347 passed, 0 failed',
      passed: 347,
      failed: 0,
      device: 'NVIDIA H200',
      onThisBinary: true,
    });
    expect(() => readGpuTestLog('PASS x\n')).toThrow(/no closing/);
  });

  it('records commit, toolchain, sha256 and glibc floor, and verifies against the binary', () => {
    const record = buildInfo(facts);
    expect(record).toMatchObject({
      package: '@megakernel/cuda-hopper-linux-x64-gnu',
      version: '1.2.3',
      commit: 'a'.repeat(40),
      binary: { file: 'megakernel_cuda.node', bytes: binary.length, sha256: sha256(binary) },
      glibcMin: '2.34',
      gpuTests: { summary: '347 passed, 0 failed', onThisBinary: true },
    });
    expect(verifyBuildInfo(record, checks)).toEqual([]);
  });

  it('refuses to record a binary whose glibc floor is not the package.json one, or tests that do not vouch for it', () => {
    expect(() =>
      buildInfo({ ...facts, platformManifest: { ...platformManifest, megakernel: { glibcMin: '2.28' } } }),
    ).toThrow(/needs glibc 2\.34, .* says 2\.28/);
    expect(() => buildInfo({ ...facts, gpuTests: readGpuTestLog('340 passed, 7 failed') })).toThrow(
      /340 passed, 7 failed/,
    );
    expect(() => buildInfo({ ...facts, gpuTests: readGpuTestLog('347 passed, 0 failed') })).toThrow(
      /does not show they ran on MEGAKERNEL_CUDA_ADDON/,
    );
  });

  it('names every mismatch: another binary, commit, version, or no GPU run', () => {
    const record = buildInfo(facts);
    const other = Buffer.concat([binary, Buffer.from('x')]);
    expect(verifyBuildInfo(record, { ...checks, binary: other })).toEqual([
      `megakernel_cuda.node has sha256 ${sha256(other)}, the record says ${sha256(binary)}`,
    ]);
    expect(verifyBuildInfo(record, { ...checks, commit: 'b'.repeat(40) })[0]).toMatch(
      /record is of commit a+, this is b+/,
    );
    expect(verifyBuildInfo(record, { ...checks, cudaHopperVersion: '1.2.4' })[0]).toMatch(
      /built for @megakernel\/cuda-hopper 1\.2\.3, the package is 1\.2\.4/,
    );
    const { gpuTests: _none, ...untested } = record;
    expect(verifyBuildInfo(untested, checks)).toEqual([
      'the record shows no passing GPU test run on this binary',
    ]);
  });

  it('verify exits non-zero on a tampered binary, from the command line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mk-build-info-'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(platformManifest));
    fs.writeFileSync(path.join(dir, 'megakernel_cuda.node'), binary);
    const record = buildInfo(facts);
    fs.writeFileSync(
      path.join(dir, 'build-info.json'),
      JSON.stringify({ ...record, binary: { ...record.binary, sha256: '0'.repeat(64) } }),
    );
    const r = spawnSync(process.execPath, [script, 'verify', '--package-dir', dir], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `megakernel_cuda.node has sha256 ${sha256(binary)}, the record says ${'0'.repeat(64)}`,
    );
  });
});
