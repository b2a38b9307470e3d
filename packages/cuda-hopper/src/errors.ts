/** Named errors of the GPU backend: callers tell a missing GPU from a bad program from a kernel fault. */
import type { KernelStatus } from './addon.js';

/** No addon, driver or Hopper GPU: the backend cannot run here. */
export class CudaUnavailableError extends Error {
  override readonly name = 'CudaUnavailableError';
}

/**
 * A call on a closed device handle or GPU decode session: close() freed its device memory (weights,
 * state, program), its stream and its staging buffers, so nothing can run on it any more.
 */
export class CudaClosedError extends Error {
  override readonly name = 'CudaClosedError';
}

/** A program the GPU backend refuses before launch (validation or a capability it lacks). */
export class UnsupportedProgramError extends Error {
  override readonly name = 'UnsupportedProgramError';
  constructor(readonly problems: readonly string[]) {
    const shown = problems.slice(0, 12);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : '';
    super(`the GPU backend cannot run this program:\n  ${shown.join('\n  ')}${more}`);
  }
}

export const STATUS_NAMES: Readonly<Record<number, string>> = {
  1: 'watchdog: a dependency wait exceeded its time bound',
  2: 'bad tensor operand',
  3: 'tile outside its tensor',
  4: 'opcode not executable',
  5: 'operand dtype not supported',
  6: 'token outside the embedding table (or no argmax to continue from)',
  7: 'shape not supported by the kernel',
};

/** The kernel stopped itself (watchdog, or a check that failed on the device). */
export class CudaKernelError extends Error {
  override readonly name = 'CudaKernelError';
  constructor(
    readonly status: KernelStatus,
    opcodeName: string,
  ) {
    const what = STATUS_NAMES[status.code] ?? `status ${status.code}`;
    const where = `queue ${status.queue}, instruction ${status.instruction} (${opcodeName}), step ${status.step}`;
    const detail =
      status.code === 1
        ? `: waited on counter ${status.counter} for ${status.threshold >>> 0}, last saw ${status.seen >>> 0}`
        : ` (detail ${status.detail})`;
    super(`megakernel stopped: ${what} at ${where}${detail}`);
  }
}
