/**
 * The 'cpu' backend: the checkpoint compiled by the scheduler and run instruction by instruction on
 * reference-cpu's VM, exactly as the GPU would run it. The KV cache is f32 here, so the CPU result
 * is the exact oracle for the program (transformers' float32 logits to ~1e-6).
 */
import type { Program } from '@megakernel/isa';
import type { LoadedCheckpoint } from '@megakernel/model';
import { createVmSession } from '@megakernel/reference-cpu';
import { compile } from '@megakernel/scheduler';
import type { DecodeSession, ProgressListener } from '../backend.js';

/** Queues of the CPU program: an H100's SM count, so the CPU runs the very program the GPU would. */
export const CPU_DEFAULT_QUEUES = 132;

export interface CpuVmOptions {
  readonly maxSeqLen: number;
  readonly queues?: number;
  readonly onProgress?: ProgressListener;
}

export function compileForCpu(checkpoint: LoadedCheckpoint, options: CpuVmOptions): Program {
  options.onProgress?.({ phase: 'compile', done: 0, total: 1 });
  const program = compile(checkpoint, {
    queues: options.queues ?? CPU_DEFAULT_QUEUES,
    maxSeqLen: options.maxSeqLen,
    kvDtype: 'f32',
  });
  options.onProgress?.({ phase: 'compile', done: 1, total: 1 });
  return program;
}

export function createCpuVmSession(checkpoint: LoadedCheckpoint, options: CpuVmOptions): DecodeSession {
  const program = compileForCpu(checkpoint, options);
  const vm = createVmSession(program, checkpoint);
  return {
    get position() {
      return vm.position;
    },
    maxSeqLen: program.maxSeqLen,
    step: (token) => vm.step(token),
    // The VM's reset rebuilds its memory (weights included), so skip it when nothing was fed.
    reset: () => {
      if (vm.position > 0) vm.reset();
    },
    close: () => {},
  };
}
