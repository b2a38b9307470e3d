/**
 * `megakernel build-addon`: builds the CUDA addon from source (nvcc, CMake, cmake-js) into the
 * installed @megakernel/cuda-hopper's build/Release/, which the loader prefers over the prebuilt
 * binary: the way to the GPU path on a glibc older than the prebuilt binary's, another CPU, or after
 * the prebuilt binary was declined. It runs that package's own scripts/build-addon.mjs with this
 * Node.js; the build's progress goes to stderr, the result (the binary and the GPU path) to stdout.
 */
import { spawn } from 'node:child_process';
import { addonBuildScript, probeCuda } from '@megakernel/runtime';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

/** The build script failed; its message is the script's own last line (what was missing, what to do). */
export class AddonBuildError extends Error {
  override readonly name = 'AddonBuildError';
}

// The script prefixes its lines with the package name; the CLI's error line names the command instead.
const SCRIPT_PREFIX = '[@megakernel/cuda-hopper] ';

/** Runs the script, copying its stdout and stderr to `write`; resolves to how it ended and its last stderr line. */
function runBuild(
  script: string,
  cwd: string,
  write: (text: string) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; lastError: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, '--required'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let lastError = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => write(s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      write(s);
      const lines = s.split('\n').filter((l) => l.trim() !== '');
      if (lines.length > 0) lastError = lines[lines.length - 1]!;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, lastError }));
  });
}

export function registerBuildAddon(program: Command, ctx: CommandContext): void {
  program
    .command('build-addon')
    .description(
      'build the CUDA addon from source (needs nvcc and CMake) into the installed @megakernel/cuda-hopper',
    )
    .action(async () => {
      const { script, packageDir, output } = addonBuildScript();
      ctx.err(`megakernel: building the CUDA addon in ${packageDir} (cmake-js, nvcc)`);
      const r = await runBuild(script, packageDir, (s) => ctx.io.stderr.write(s));
      if (r.code !== 0) {
        const how = r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
        const why = r.lastError.startsWith(SCRIPT_PREFIX)
          ? r.lastError.slice(SCRIPT_PREFIX.length)
          : r.lastError;
        throw new AddonBuildError(`the addon build failed (${how})${why ? `: ${why}` : ''}`);
      }
      // Nothing in this process has loaded an addon yet, so the loader meets the new build first
      // (unless MEGAKERNEL_CUDA_ADDON names another binary).
      const probe = await probeCuda();
      if (probe.addonPath !== output && process.env.MEGAKERNEL_CUDA_ADDON === undefined) {
        // Passed over for a later candidate (its reason is a warning), or nothing loaded at all.
        const passedOver = probe.details.find(
          ([label, v]) => label === 'CUDA addon warning' && v.startsWith(output),
        );
        throw new AddonBuildError(
          `built ${output}, but the loader did not take it: ${passedOver?.[1] ?? probe.reason}`,
        );
      }
      ctx.out(`addon: ${output}`);
      ctx.out(probe.ok ? `GPU path: on (${probe.reason})` : `GPU path: off, because ${probe.reason}`);
    });
}
