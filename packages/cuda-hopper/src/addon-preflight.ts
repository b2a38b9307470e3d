/**
 * The test load: before a candidate binary is require()d in the user's process, a child Node.js
 * process require()s it and calls probe(), so a binary or a driver that crashes (SIGSEGV in the
 * driver's initialisation) or hangs takes down the child, not the user. One spawn per binary and
 * process: the verdict is cached by path, size and modification time. The child reports what the
 * binary says about itself, so the identity check needs no load in this process either.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { NativeProbe } from './native-addon.js';

/** What the child saw: the binary's identity exports and its probe. */
export interface PreflightReport {
  readonly abiVersion?: unknown;
  readonly packageVersion?: unknown;
  readonly probe?: NativeProbe;
}

export type Preflight =
  | { readonly ok: true; readonly report: PreflightReport }
  | {
      readonly ok: false;
      /** 'crash': a signal or a hang (the driver or the binary is broken); 'load': an error it threw. */
      readonly kind: 'crash' | 'load';
      readonly reason: string;
    };

/** Long enough for a driver to initialise eight GPUs without persistence mode; a hang costs this much. */
export const PREFLIGHT_TIMEOUT_MS = 30_000;

// Runs with `node -e`, the binary's path as process.argv[1]. One JSON line per stage, so the parent
// knows how far a crashed child got; an error it can catch is reported, not thrown.
const CHILD_SCRIPT = `
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
let addon;
try {
  addon = require(process.argv[1]);
} catch (e) {
  say({ stage: 'failed', error: String(e && e.message || e).split('\\n')[0] });
  process.exit(1);
}
say({ stage: 'loaded', abiVersion: addon.abiVersion, packageVersion: addon.packageVersion });
say({ stage: 'probed', probe: typeof addon.probe === 'function' ? addon.probe() : undefined });
`;

interface ChildLine {
  readonly stage?: string;
  readonly error?: string;
  readonly abiVersion?: unknown;
  readonly packageVersion?: unknown;
  readonly probe?: NativeProbe;
}

function childLines(stdout: string): ChildLine[] {
  const out: ChildLine[] = [];
  for (const line of stdout.split('\n')) {
    try {
      out.push(JSON.parse(line) as ChildLine);
    } catch {
      // Anything else the binary printed.
    }
  }
  return out;
}

/** The last few lines of stderr, for a crash whose cause only the child could print. */
function stderrTail(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-3);
  const tail = lines.join(' / ');
  return tail === '' ? '' : `; its stderr: ${tail.length > 400 ? `…${tail.slice(-400)}` : tail}`;
}

export interface PreflightOptions {
  /** Replaces the child's script (tests: a child that crashes or hangs on purpose). */
  readonly script?: string;
  readonly timeoutMs?: number;
}

/** Test-loads `file` in a child process; never throws. */
export function runPreflight(file: string, options: PreflightOptions = {}): Preflight {
  const timeoutMs = options.timeoutMs ?? PREFLIGHT_TIMEOUT_MS;
  const r = spawnSync(process.execPath, ['-e', options.script ?? CHILD_SCRIPT, file], {
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const lines = childLines(r.stdout ?? '');
  const failed = lines.find((l) => l.stage === 'failed');
  const loaded = lines.find((l) => l.stage === 'loaded');
  const probed = lines.find((l) => l.stage === 'probed');
  const during = loaded ? 'while probing the GPU (the binary loaded)' : 'while loading the binary';
  const error = r.error as NodeJS.ErrnoException | undefined;
  if (error?.code === 'ETIMEDOUT') {
    return {
      ok: false,
      kind: 'crash',
      reason: `its test load in a child process hung ${during}: no answer within ${timeoutMs / 1000} s`,
    };
  }
  if (error) return { ok: false, kind: 'load', reason: `its test load could not start: ${error.message}` };
  if (r.signal) {
    return {
      ok: false,
      kind: 'crash',
      reason: `its test load in a child process crashed ${during} (${r.signal})${stderrTail(r.stderr ?? '')}`,
    };
  }
  if (failed) return { ok: false, kind: 'load', reason: failed.error ?? 'it failed to load' };
  if (r.status !== 0) {
    return {
      ok: false,
      kind: 'crash',
      reason: `its test load in a child process exited with code ${r.status} ${during}${stderrTail(r.stderr ?? '')}`,
    };
  }
  if (!loaded || !probed) return { ok: false, kind: 'load', reason: 'its test load reported nothing' };
  return {
    ok: true,
    report: {
      abiVersion: loaded.abiVersion,
      packageVersion: loaded.packageVersion,
      ...(probed.probe ? { probe: probed.probe } : {}),
    },
  };
}

const verdicts = new Map<string, Preflight>();

/** runPreflight, once per binary (path, size, modification time) and process. */
export function preflightAddon(file: string): Preflight {
  let key: string;
  try {
    const s = fs.statSync(file);
    key = `${file}\0${s.size}\0${s.mtimeMs}`;
  } catch {
    return runPreflight(file);
  }
  const known = verdicts.get(key);
  if (known) return known;
  const verdict = runPreflight(file);
  verdicts.set(key, verdict);
  return verdict;
}

/** MEGAKERNEL_ADDON_PREFLIGHT=0 skips the test load (a harness that already runs in a child of its own). */
export function preflightEnabled(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.MEGAKERNEL_ADDON_PREFLIGHT !== '0';
}
