/**
 * Finding and loading the native addon. Loading is lazy and never throws from `probeCuda`: a missing
 * binary, driver or GPU is reported as data. Search order: MEGAKERNEL_CUDA_ADDON, a local build
 * (build/Release/*.node), the platform package's prebuilt binary (@megakernel/cuda-hopper-linux-x64-gnu,
 * an optional dependency npm installs only where it fits), then a .node next to the running bundle (how
 * the GPU-host bundles ship it).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DeviceInfo {
  readonly index: number;
  readonly name: string;
  readonly computeCapability: string;
  readonly smCount: number;
  readonly memoryBytes: number;
  readonly l2Bytes: number;
  readonly sharedPerBlockOptin: number;
  readonly clockKHz: number;
  readonly memoryClockKHz: number;
  readonly busWidthBits: number;
  readonly cooperativeLaunch: boolean;
}

export interface NativeProbe {
  readonly ok: boolean;
  readonly error: string;
  readonly driverVersion: number;
  readonly runtimeVersion: number;
  readonly devices: readonly DeviceInfo[];
  readonly kernelSharedBytes: number;
  readonly kernelThreads: number;
}

/** The record the first failing block writes (see csrc/runtime.h KernelStatus). */
export interface KernelStatus {
  readonly code: number;
  readonly queue: number;
  readonly instruction: number;
  readonly step: number;
  readonly opcode: number;
  readonly counter: number;
  readonly threshold: number;
  readonly seen: number;
  readonly detail: number;
}

/**
 * The native device handle: one device's arenas (weights, state), loaded program, stream and pinned
 * staging buffers (csrc/session.h, exported by csrc/addon/addon.cc under its ABI name `Session`).
 * `close()` frees all of it; every other method then throws. Byte offsets and sizes are plain
 * numbers (< 2^53).
 */
export interface NativeDevice {
  info(): DeviceInfo;
  allocWeights(bytes: number): void;
  writeWeights(offset: number, data: ArrayBufferView): void;
  readWeights(offset: number, bytes: number): Uint8Array;
  fillWeightsRandom(
    offset: number,
    count: number,
    dtype: number,
    seed: number,
    scale: number,
    center: number,
  ): void;
  loadProgram(
    table: Uint8Array,
    queues: Uint8Array,
    queueLens: Uint32Array,
    counterCount: number,
    stateBytes: number,
  ): void;
  writeState(offset: number, data: ArrayBufferView): void;
  readState(offset: number, bytes: number): Uint8Array;
  fillState(offset: number, bytes: number, value: number): void;
  zeroCounters(): void;
  readCounters(count: number): Uint32Array;
  run(
    steps: number,
    pos0: number,
    epoch0: number,
    timing: boolean,
    watchdogNs: number,
  ): {
    elapsedMs: number;
    status: KernelStatus;
  };
  readTimings(): { bytes: Uint8Array; queues: number; maxQueueLen: number };
  copyBandwidth(bytes: number, iterations: number): number;
  close(): void;
}

export interface NativeAddon {
  probe(): NativeProbe;
  /** Opens a device handle (the name is the addon's ABI, kept so that older binaries still load). */
  readonly Session: new (
    device: number,
  ) => NativeDevice;
  readonly abiVersion: number;
}

/** Where the addon was looked for and what happened; `addon` is set when loading worked. */
export interface AddonLoad {
  readonly addon?: NativeAddon;
  readonly path?: string;
  readonly error?: string;
  readonly tried: readonly string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
// src/ and dist/ both sit one level below the package root.
const packageRoot = path.resolve(here, '..');

function nodeFiles(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.node'))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** The package that ships the prebuilt addon for a system (only linux-x64 with glibc exists). */
export function platformPackageName(
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  return `@megakernel/cuda-hopper-${platform}-${arch}-gnu`;
}

interface PlatformPackage {
  readonly dir: string;
  /** The oldest glibc the binary loads on (its package.json's megakernel.glibcMin). */
  readonly glibcMin?: string;
}

/** The installed platform package, or undefined (another system, or installed without optionals). */
function platformPackage(): PlatformPackage | undefined {
  try {
    const require = createRequire(import.meta.url);
    const manifest = require.resolve(`${platformPackageName()}/package.json`);
    const meta = (require(manifest) as { megakernel?: { glibcMin?: string } }).megakernel;
    return { dir: path.dirname(manifest), ...(meta?.glibcMin ? { glibcMin: meta.glibcMin } : {}) };
  } catch {
    return undefined;
  }
}

/** Whether dotted version `have` is at least `need` ("2.35" >= "2.34"). */
export function versionAtLeast(have: string, need: string): boolean {
  const a = have.split('.').map(Number);
  const b = need.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The running system's glibc version, or undefined (musl, macOS, Windows). */
function glibcRuntime(): string | undefined {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header;
  return header?.glibcVersionRuntime;
}

/** Candidate addon paths in search order. */
export function addonCandidates(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const out: string[] = [];
  if (env.MEGAKERNEL_CUDA_ADDON) out.push(path.resolve(env.MEGAKERNEL_CUDA_ADDON));
  out.push(...nodeFiles(path.join(packageRoot, 'build', 'Release')));
  const platform = platformPackage();
  if (platform) out.push(...nodeFiles(platform.dir));
  out.push(...nodeFiles(here));
  return out;
}

let cached: AddonLoad | undefined;

/** Loads the addon once; never throws. */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  const tried = addonCandidates();
  const require = createRequire(import.meta.url);
  const errors: string[] = [];
  const platform = platformPackage();
  const glibc = glibcRuntime();
  for (const p of tried) {
    if (!fs.existsSync(p)) {
      errors.push(`${p}: not found`);
      continue;
    }
    if (
      platform?.glibcMin &&
      glibc &&
      path.dirname(p) === platform.dir &&
      !versionAtLeast(glibc, platform.glibcMin)
    ) {
      errors.push(
        `${p}: the prebuilt addon needs glibc >= ${platform.glibcMin}, this system has ${glibc} ` +
          '(build it from source: see @megakernel/cuda-hopper README, "Build")',
      );
      continue;
    }
    try {
      const addon = require(p) as NativeAddon;
      cached = { addon, path: p, tried };
      return cached;
    } catch (e) {
      errors.push(`${p}: ${(e as Error).message}`);
    }
  }
  cached = {
    tried,
    error:
      tried.length === 0
        ? 'no megakernel addon found (build it with `pnpm --filter @megakernel/cuda-hopper build:addon`)'
        : `could not load the megakernel addon: ${errors.join('; ')}`,
  };
  return cached;
}

/** What `probeCuda` reports: whether a GPU can run the megakernel, and why not. */
export interface CudaProbe {
  readonly available: boolean;
  /** Why not, when unavailable: no addon, no driver, no GPU, or a GPU that is not Hopper. */
  readonly reason?: string;
  readonly addonPath?: string;
  readonly driverVersion?: number;
  readonly runtimeVersion?: number;
  readonly devices: readonly DeviceInfo[];
}

/** Never throws: a missing addon, driver or GPU comes back as `available: false` with a reason. */
export function probeCuda(): CudaProbe {
  const load = loadAddon();
  if (!load.addon) return { available: false, reason: load.error ?? 'addon not loaded', devices: [] };
  let p: NativeProbe;
  try {
    p = load.addon.probe();
  } catch (e) {
    return {
      available: false,
      reason: `probe failed: ${(e as Error).message}`,
      addonPath: load.path!,
      devices: [],
    };
  }
  const base = {
    addonPath: load.path!,
    driverVersion: p.driverVersion,
    runtimeVersion: p.runtimeVersion,
    devices: p.devices,
  };
  if (!p.ok) return { available: false, reason: p.error, ...base };
  if (!p.devices.some((d) => d.computeCapability.startsWith('9.'))) {
    return {
      available: false,
      reason: `no Hopper GPU (found ${p.devices.map((d) => d.name).join(', ')})`,
      ...base,
    };
  }
  return { available: true, ...base };
}
