import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NativeProbe } from './native-addon.js';
import { cudaVersion, describeSystem, readSystemFacts } from './system-description.js';

function fakeProc(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mk-proc-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const probe = (over: Partial<NativeProbe>): NativeProbe => ({
  ok: true,
  error: '',
  driverVersion: 12040,
  runtimeVersion: 13000,
  devices: [],
  kernelSharedBytes: 0,
  kernelThreads: 512,
  ...over,
});

describe('the system a decline message names', () => {
  it("reads the NVIDIA kernel module's version and GPU models from /proc", () => {
    const root = fakeProc({
      'driver/nvidia/version':
        // As an H200 host printed it (2026-12-02).
        'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (nixbld@)  \n',
      'driver/nvidia/gpus/0000:19:00.0/information': 'Model: \t\t NVIDIA H200\nIRQ:   \t\t 17\n',
      'driver/nvidia/gpus/0000:3b:00.0/information': 'Model: \t\t NVIDIA H100 80GB HBM3\n',
    });
    const facts = readSystemFacts(root);
    expect(facts).toMatchObject({ platform: process.platform, arch: process.arch, driver: '580.159.04' });
    expect(facts.gpus).toEqual(['NVIDIA H200', 'NVIDIA H100 80GB HBM3']);
    expect(
      readSystemFacts(
        fakeProc({
          'driver/nvidia/version': 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19\n',
        }),
      ).driver,
    ).toBe('535.104.05');
  });

  it('says so when there is no driver', () => {
    const facts = readSystemFacts(fakeProc({}));
    expect(facts.driver).toBeUndefined();
    expect(facts.gpus).toEqual([]);
    expect(describeSystem({ platform: 'linux', arch: 'x64', glibc: '2.36', gpus: [] })).toBe(
      'linux x64, glibc 2.36, no NVIDIA driver loaded, no NVIDIA GPU',
    );
    expect(describeSystem({ platform: 'linux', arch: 'x64', gpus: [] })).toMatch(/^linux x64, no glibc,/);
  });

  it("prefers the probe's CUDA version and devices when a probe ran", () => {
    const facts = {
      platform: 'linux',
      arch: 'x64',
      glibc: '2.35',
      driver: '550.54.15',
      gpus: ['NVIDIA H200'],
    };
    const device = { name: 'NVIDIA H200', computeCapability: '9.0' } as NativeProbe['devices'][number];
    expect(describeSystem(facts, probe({ devices: [device] }))).toBe(
      'linux x64, glibc 2.35, NVIDIA driver 550.54.15 (CUDA 12.4), GPU NVIDIA H200 (compute capability 9.0)',
    );
    expect(describeSystem({ ...facts, driver: undefined, gpus: [] }, probe({}))).toBe(
      'linux x64, glibc 2.35, NVIDIA driver with CUDA 12.4, no NVIDIA GPU',
    );
    expect(cudaVersion(13000)).toBe('13.0');
  });
});
