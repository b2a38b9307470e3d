/**
 * The one place a model is compiled with progress: every backend that runs a program (cpu, cuda) and
 * the CLI's program commands go through it.
 */
import type { Program, RuntimeModelConfig } from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import { type CompileOptions, compile } from '@megakernel/scheduler';
import type { ProgressListener } from './backend.js';

/**
 * The scheduler's `compile`, reporting the 'compile' phase to `onProgress`. compile() reports no
 * progress of its own, so the listener hears the start (done 0 of 1) and the end (1 of 1) only.
 */
export function compileWithProgress(
  model: Checkpoint | RuntimeModelConfig,
  options: CompileOptions,
  onProgress?: ProgressListener,
): Program {
  return withCompileProgress(onProgress, () => compile(model, options));
}

/** `work` (a compile, or several) inside the 'compile' phase: its start (0 of 1) and its end (1 of 1). */
export function withCompileProgress<T>(onProgress: ProgressListener | undefined, work: () => T): T {
  // TODO(scheduler): compile() reports no progress, so a bar shows the phase, not a fraction.
  onProgress?.({ phase: 'compile', done: 0, total: 1 });
  const result = work();
  onProgress?.({ phase: 'compile', done: 1, total: 1 });
  return result;
}
