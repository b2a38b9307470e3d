import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addonBuildScript,
  addonCandidates,
  findAddon,
  loadAddon,
  platformPackageName,
  probeCuda,
  versionAtLeast,
} from './addon.js';
import { ADDON_ABI_VERSION, PACKAGE_VERSION } from './addon-identity.js';
import type { Preflight } from './addon-preflight.js';
import type { SystemFacts } from './system-description.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mk-addon-'));
const garbage = path.join(tmp, 'garbage.node');
fs.writeFileSync(garbage, 'not an addon');
const trackedPrebuilt = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  'cuda-hopper-linux-x64-gnu',
  'megakernel_cuda.node',
);

const linux: SystemFacts = { platform: 'linux', arch: 'x64', glibc: '2.36', gpus: [] };
/** One override candidate alone: no local build, no platform package, nothing beside the module. */
const onlyOverride = (file: string) => ({ candidates: [{ path: file, source: 'override' as const }] });
const reportOk = (identity: Record<string, unknown>): Preflight => ({
  ok: true,
  report: {
    ...identity,
    probe: {
      ok: true,
      error: '',
      driverVersion: 12080,
      runtimeVersion: 13000,
      devices: [{ name: 'NVIDIA H200', computeCapability: '9.0' } as never],
      kernelSharedBytes: 0,
      kernelThreads: 512,
    },
  },
});

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

  it('knows the script that builds the addon into its own build/Release', () => {
    const b = addonBuildScript();
    expect(fs.existsSync(b.script)).toBe(true);
    expect(path.dirname(path.dirname(b.script))).toBe(b.packageDir);
  });
});

describe('declining a candidate', () => {
  it('declines a file that is not an addon, naming the system and an npm-user hint', () => {
    const r = findAddon({ ...onlyOverride(garbage), system: linux });
    expect(r.addon).toBeUndefined();
    expect(r.error).toContain(
      `no usable megakernel addon for linux x64, glibc 2.36, no NVIDIA driver loaded, no NVIDIA GPU: ${garbage}: `,
    );
    expect(r.error).toMatch(/invalid ELF header|file too short/);
    expect(r.error).toContain('point MEGAKERNEL_CUDA_ADDON at a build for');
    expect(r.error).not.toMatch(/pnpm/);
  });

  it('survives a candidate whose test load crashes, and says so', () => {
    const crash: Preflight = {
      ok: false,
      kind: 'crash',
      reason: 'its test load in a child process crashed (SIGSEGV)',
    };
    const r = findAddon({ ...onlyOverride(garbage), system: linux, preflight: () => crash });
    expect(r.error).toContain('crashed (SIGSEGV)');
    expect(r.error).toContain('check the NVIDIA driver with `nvidia-smi`');
    expect(r.error).toContain('`npx megakernel build-addon`');
  });

  it('declines a binary built for another version before loading it, naming both and the GPU the probe saw', () => {
    const r = findAddon({
      ...onlyOverride(garbage),
      system: linux,
      preflight: () => reportOk({ abiVersion: ADDON_ABI_VERSION, packageVersion: '0.0.0-other' }),
    });
    expect(r.error).toContain(
      `it was built for @megakernel/cuda-hopper 0.0.0-other, this is ${PACKAGE_VERSION}`,
    );
    expect(r.error).toContain('NVIDIA driver with CUDA 12.8, GPU NVIDIA H200 (compute capability 9.0)');
  });

  it('declines another ABI', () => {
    const r = findAddon({ ...onlyOverride(garbage), system: linux, preflight: () => reportOk({}) });
    expect(r.error).toMatch(
      new RegExp(`it has addon ABI 0, @megakernel/cuda-hopper .* needs ABI ${ADDON_ABI_VERSION}`),
    );
  });

  it('with no binary at all on Linux x64, says which npm package to install', () => {
    const r = findAddon({ ...onlyOverride(path.join(tmp, 'missing.node')), system: linux });
    expect(r.error).toContain(`missing.node: not found`);
    expect(r.error).toContain(`\`npm install @megakernel/cuda-hopper-linux-x64-gnu@${PACKAGE_VERSION}\``);
  });

  it('with glibc older than the prebuilt binary needs, points at a source build', () => {
    const r = findAddon({
      ...onlyOverride(path.join(tmp, 'missing.node')),
      system: { ...linux, glibc: '2.31' },
    });
    expect(r.error).toContain('no prebuilt binary fits this system (it needs Linux x64 with glibc >= 2.34)');
    expect(r.error).toContain('`npx megakernel build-addon`');
  });

  it('falls through to the next candidate and warns that the first was passed over', () => {
    if (!fs.existsSync(trackedPrebuilt)) return;
    const r = findAddon({ env: { MEGAKERNEL_CUDA_ADDON: garbage } });
    if (r.tried.length < 2) return; // no other candidate on this system
    expect(r.addon).toBeDefined();
    expect(r.warnings[0]).toMatch(
      new RegExp(`^${garbage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was passed over: `),
    );
  });

  it('loads the tracked prebuilt binary (this ABI) in a child first, warning if it records no version', () => {
    if (!fs.existsSync(trackedPrebuilt) || process.platform !== 'linux' || process.arch !== 'x64') return;
    const r = findAddon({ candidates: [{ path: trackedPrebuilt, source: 'platform-package' }] });
    expect(r.error).toBeUndefined();
    expect(r.path).toBe(trackedPrebuilt);
    if (r.addon?.packageVersion === undefined) {
      expect(r.warnings.join('\n')).toMatch(/does not record which @megakernel\/cuda-hopper version/);
    }
  });

  it('MEGAKERNEL_ADDON_PREFLIGHT=0 still checks the identity, after loading', () => {
    const r = findAddon({
      ...onlyOverride(garbage),
      env: { MEGAKERNEL_ADDON_PREFLIGHT: '0' },
      system: linux,
    });
    expect(r.error).toMatch(/invalid ELF header|file too short/);
  });
});
