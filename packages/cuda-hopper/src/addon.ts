/**
 * Finding and loading the native addon. Loading is lazy and never throws from `probeCuda`: a missing
 * binary, driver or GPU is reported as data. Search order: MEGAKERNEL_CUDA_ADDON, a local build
 * (build/Release/*.node, what `megakernel build-addon` writes), the platform package's prebuilt binary
 * (@megakernel/cuda-hopper-linux-x64-gnu, an optional dependency npm installs only where it fits), then
 * a .node next to the running bundle (how the GPU-host bundles ship it).
 *
 * Each candidate is test-loaded in a child process first (addon-preflight.ts), then must say it speaks
 * this package's ABI and was built for this package's version (addon-identity.ts); only then is it
 * require()d here. A declined candidate's reason names this system (platform, glibc, driver, GPU) and
 * what to run about it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkIdentity, type ReportedIdentity } from './addon-identity.js';
import { type Preflight, preflightAddon, preflightEnabled } from './addon-preflight.js';
import {
  type CandidateSource,
  type DeclineKind,
  declineHint,
  missingAddonHint,
  platformPackageName,
  prebuiltFits,
} from './install-hints.js';
import type { DeviceInfo, NativeAddon, NativeProbe } from './native-addon.js';
import { describeSystem, readSystemFacts, type SystemFacts } from './system-description.js';

export type { DeviceInfo, KernelStatus, NativeAddon, NativeDevice, NativeProbe } from './native-addon.js';
export { platformPackageName };

/** Where the addon was looked for and what happened; `addon` is set when loading worked. */
export interface AddonLoad {
  readonly addon?: NativeAddon;
  readonly path?: string;
  readonly error?: string;
  readonly tried: readonly string[];
  /** Loaded, but with something to say: an older build's missing version, a candidate passed over. */
  readonly warnings: readonly string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
// src/ and dist/ both sit one level below the package root.
const packageRoot = path.resolve(here, '..');

/**
 * The script that builds the addon from source into this package's build/Release/ (what `megakernel
 * build-addon` runs, in `packageDir`), and the binary it writes there, which the loader tries first
 * after MEGAKERNEL_CUDA_ADDON.
 */
export function addonBuildScript(): {
  readonly script: string;
  readonly packageDir: string;
  readonly output: string;
} {
  return {
    script: path.join(packageRoot, 'scripts', 'build-addon.mjs'),
    packageDir: packageRoot,
    output: path.join(packageRoot, 'build', 'Release', 'megakernel_cuda.node'),
  };
}

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

/** A binary to try and where it came from (the hint depends on it). */
export interface AddonCandidate {
  readonly path: string;
  readonly source: CandidateSource;
}

function candidateList(env: Readonly<Record<string, string | undefined>>): AddonCandidate[] {
  const out: AddonCandidate[] = [];
  if (env.MEGAKERNEL_CUDA_ADDON)
    out.push({ path: path.resolve(env.MEGAKERNEL_CUDA_ADDON), source: 'override' });
  for (const p of nodeFiles(path.join(packageRoot, 'build', 'Release')))
    out.push({ path: p, source: 'local-build' });
  const platform = platformPackage();
  if (platform) for (const p of nodeFiles(platform.dir)) out.push({ path: p, source: 'platform-package' });
  for (const p of nodeFiles(here)) out.push({ path: p, source: 'beside-bundle' });
  return out;
}

/** Candidate addon paths in search order. */
export function addonCandidates(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  return candidateList(env).map((c) => c.path);
}

interface Decline {
  readonly candidate: AddonCandidate;
  readonly kind: DeclineKind;
  readonly reason: string;
}

export interface FindAddonOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The test load (tests hand in one that crashes); default: a child process, cached per binary. */
  readonly preflight?: (file: string) => Preflight;
  readonly system?: SystemFacts;
  /** Replaces the search (tests: one candidate alone); default: addonCandidates' order. */
  readonly candidates?: readonly AddonCandidate[];
}

/** Searches, test-loads and loads; never throws. `loadAddon` is this, once per process. */
export function findAddon(options: FindAddonOptions = {}): AddonLoad {
  const env = options.env ?? process.env;
  const candidates = options.candidates ?? candidateList(env);
  const tried = candidates.map((c) => c.path);
  const facts = options.system ?? readSystemFacts();
  const platform = platformPackage();
  const preflight = preflightEnabled(env) ? (options.preflight ?? preflightAddon) : undefined;
  const require = createRequire(import.meta.url);
  const declines: Decline[] = [];
  let probe: NativeProbe | undefined;
  // Node's load errors begin with the path, which the message already names.
  const decline = (candidate: AddonCandidate, kind: DeclineKind, reason: string) =>
    declines.push({
      candidate,
      kind,
      reason: reason.startsWith(`${candidate.path}: `) ? reason.slice(candidate.path.length + 2) : reason,
    });

  for (const c of candidates) {
    if (!fs.existsSync(c.path)) {
      decline(c, 'load', 'not found');
      continue;
    }
    if (
      c.source === 'platform-package' &&
      platform?.glibcMin &&
      facts.glibc &&
      !versionAtLeast(facts.glibc, platform.glibcMin)
    ) {
      decline(
        c,
        'glibc',
        `the prebuilt binary needs glibc >= ${platform.glibcMin}, this system has ${facts.glibc}`,
      );
      continue;
    }
    let identity: ReportedIdentity | undefined;
    if (preflight) {
      const verdict = preflight(c.path);
      if (!verdict.ok) {
        decline(c, verdict.kind, verdict.reason);
        continue;
      }
      identity = verdict.report;
      probe = verdict.report.probe ?? probe;
    }
    const warnings: string[] = [];
    const admits = (reported: ReportedIdentity): boolean => {
      const check = checkIdentity(reported);
      if (!check.ok) decline(c, 'identity', check.reason);
      else if (check.warning) warnings.push(`${c.path}: ${check.warning}`);
      return check.ok;
    };
    // With the test load the identity is checked before anything is loaded here; without it, after.
    if (identity && !admits(identity)) continue;
    let addon: NativeAddon;
    try {
      addon = require(c.path) as NativeAddon;
    } catch (e) {
      decline(c, 'load', (e as Error).message.split('\n')[0] ?? 'failed to load');
      continue;
    }
    if (!identity && !admits(addon)) continue;
    const passedOver = declines.map((d) => `${d.candidate.path} was passed over: ${d.reason}`);
    return { addon, path: c.path, tried, warnings: [...passedOver, ...warnings] };
  }
  return { tried, warnings: [], error: declineMessage(declines, facts, probe) };
}

function declineMessage(
  declines: readonly Decline[],
  facts: SystemFacts,
  probe: NativeProbe | undefined,
): string {
  const system = describeSystem(facts, probe);
  const fits = prebuiltFits(facts, versionAtLeast);
  if (declines.length === 0)
    return `no megakernel addon for ${system}; to fix: ${missingAddonHint(facts, fits)}`;
  const reasons = declines.map((d) => `${d.candidate.path}: ${d.reason}`);
  const hints = [...new Set(declines.map((d) => declineHint(d.kind, d.candidate.source, facts)))];
  // Only the override was there and it was missing: say how to get a binary at all too.
  if (declines.every((d) => d.reason === 'not found')) hints.push(missingAddonHint(facts, fits));
  return `no usable megakernel addon for ${system}: ${reasons.join('; ')}; to fix: ${hints.join('; or ')}`;
}

let cached: AddonLoad | undefined;

/** Loads the addon once per process; never throws. */
export function loadAddon(): AddonLoad {
  cached ??= findAddon();
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
  /** What the loader had to say about the binary it loaded (see AddonLoad.warnings). */
  readonly warnings: readonly string[];
}

/** Never throws: a missing addon, driver or GPU comes back as `available: false` with a reason. */
export function probeCuda(): CudaProbe {
  const load = loadAddon();
  const warnings = load.warnings;
  if (!load.addon)
    return { available: false, reason: load.error ?? 'addon not loaded', devices: [], warnings };
  let p: NativeProbe;
  try {
    p = load.addon.probe();
  } catch (e) {
    return {
      available: false,
      reason: `probe failed: ${(e as Error).message} (${describeSystem(readSystemFacts())})`,
      addonPath: load.path!,
      devices: [],
      warnings,
    };
  }
  const base = {
    addonPath: load.path!,
    driverVersion: p.driverVersion,
    runtimeVersion: p.runtimeVersion,
    devices: p.devices,
    warnings,
  };
  if (!p.ok)
    return { available: false, reason: `${p.error} (${describeSystem(readSystemFacts(), p)})`, ...base };
  if (!p.devices.some((d) => d.computeCapability.startsWith('9.'))) {
    return {
      available: false,
      reason: `no Hopper GPU (${describeSystem(readSystemFacts(), p)}); the megakernel needs compute capability 9.0 (H100, H200)`,
      ...base,
    };
  }
  return { available: true, ...base };
}
