/**
 * Runs the built `megakernel` binary (dist/main.js) as a user would, in a child process. Builds the
 * package first when dist is missing or older than its sources (turbo builds it before `pnpm test`;
 * this covers `vitest run --project cli` alone). A lock directory keeps parallel test files from
 * building at once.
 */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_MAIN = path.join(CLI_PACKAGE_DIR, 'dist', 'main.js');
export const REPO_ROOT = path.resolve(CLI_PACKAGE_DIR, '..', '..');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runBuiltCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  ensureBuilt();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_MAIN, ...args],
      {
        cwd: options.cwd ?? REPO_ROOT,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...(options.env ?? process.env), NO_COLOR: '1' },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const isFresh = (): boolean =>
  fs.existsSync(CLI_MAIN) && fs.statSync(CLI_MAIN).mtimeMs >= newestSource(path.join(CLI_PACKAGE_DIR, 'src'));

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let checked = false;

export function ensureBuilt(): void {
  if (checked || isFresh()) {
    checked = true;
    return;
  }
  const lock = path.join(CLI_PACKAGE_DIR, '.build-lock');
  try {
    fs.mkdirSync(lock);
  } catch {
    // Another test file is building: wait for it (at most two minutes).
    for (let waited = 0; fs.existsSync(lock) && waited < 120_000; waited += 200) sleep(200);
    if (!isFresh())
      throw new Error(`${CLI_MAIN} is missing or stale; run pnpm --filter @megakernel/cli build`);
    checked = true;
    return;
  }
  try {
    const r = spawnSync('pnpm', ['run', 'build'], { cwd: CLI_PACKAGE_DIR, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the CLI failed:\n${r.stdout}\n${r.stderr}`);
    checked = true;
  } finally {
    fs.rmdirSync(lock);
  }
}

/** The one line an error report must be (throws if stderr holds more or less). */
export function errorLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  if (lines.length !== 1 || lines[0] === '') throw new Error(`expected one line on stderr, got:\n${stderr}`);
  return lines[0]!;
}
