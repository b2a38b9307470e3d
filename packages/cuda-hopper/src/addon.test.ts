import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonCandidates, loadAddon, platformPackageName, probeCuda, versionAtLeast } from './addon.js';

describe('addon loading and probe', () => {
  it('probeCuda never throws and explains an unavailable GPU', () => {
    const p = probeCuda();
    expect(typeof p.available).toBe('boolean');
    if (!p.available) {
      expect(p.reason).toMatch(/addon|driver|GPU|Hopper|CUDA/i);
      console.log(`probeCuda: ${p.reason}`);
    } else {
      expect(p.devices.length).toBeGreaterThan(0);
    }
  });

  it('searches the override, the local build, the platform package, then beside the module', () => {
    const c = addonCandidates({ MEGAKERNEL_CUDA_ADDON: '/x/custom.node' });
    expect(c[0]).toBe(path.resolve('/x/custom.node'));
    const build = c.findIndex((p) => p.includes(`${path.sep}build${path.sep}Release${path.sep}`));
    const pre = c.findIndex((p) => p.includes(`cuda-hopper-linux-x64-gnu${path.sep}megakernel_cuda.node`));
    // In this workspace on linux-x64 the platform package is installed (an optional dependency).
    if (process.platform === 'linux' && process.arch === 'x64') expect(pre).toBeGreaterThan(0);
    if (build >= 0 && pre >= 0) expect(build).toBeLessThan(pre);
  });

  it('names the platform package per system and compares glibc versions numerically', () => {
    expect(platformPackageName('linux', 'x64')).toBe('@megakernel/cuda-hopper-linux-x64-gnu');
    expect(versionAtLeast('2.35', '2.34')).toBe(true);
    expect(versionAtLeast('2.34', '2.34')).toBe(true);
    expect(versionAtLeast('2.4', '2.34')).toBe(false);
    expect(versionAtLeast('2.31', '2.34')).toBe(false);
    expect(versionAtLeast('3.0', '2.34')).toBe(true);
  });

  it('loads once and reports where it looked', () => {
    const a = loadAddon();
    expect(loadAddon()).toBe(a);
    expect(Array.isArray(a.tried)).toBe(true);
    if (!a.addon) expect(a.error).toBeTruthy();
  });

  it('an addon that loads reports no GPU as data, not a crash', () => {
    const a = loadAddon();
    if (!a.addon) return;
    const p = a.addon.probe();
    expect(typeof p.ok).toBe('boolean');
    expect(p.kernelThreads).toBeGreaterThan(0);
    expect(p.kernelSharedBytes).toBeLessThanOrEqual(227 * 1024);
    if (!p.ok) expect(() => new a.addon!.Session(0)).toThrow(/driver|GPU|device/i);
  });
});
