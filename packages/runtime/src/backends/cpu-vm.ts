/**
 * The 'cpu' backend: the checkpoint compiled by the scheduler and run instruction by instruction on
 * reference-cpu's VM, exactly as the GPU would run it. The KV cache is f32 here, so the CPU result
 * is the exact oracle for the program (transformers' float32 logits to ~1e-6).
 */
import { DEFAULT_QUEUES } from '@megakernel/cuda-hopper';
import type { Program } from '@megakernel/isa';
import type { LoadedCheckpoint } from '@megakernel/model';
import { VmDecoder } from '@megakernel/reference-cpu';
import type { DecodeSession, ProgressListener } from '../backend.js';
import { compileWithProgress } from '../compile-with-progress.js';

export interface CpuVmOptions {
  readonly maxSeqLen: number;
  readonly queues?: number;
  readonly onProgress?: ProgressListener;
}

/** The program the CPU VM runs: DEFAULT_QUEUES queues (the program a GPU would run), f32 KV cache. */
export function compileForCpu(checkpoint: LoadedCheckpoint, options: CpuVmOptions): Program {
  return compileWithProgress(
    checkpoint,
    { queues: options.queues ?? DEFAULT_QUEUES, maxSeqLen: options.maxSeqLen, kvDtype: 'f32' },
    options.onProgress,
  );
}

/** Prompt tokens per prefill step on the CPU VM (fewer when the context is shorter). */
export const CPU_PREFILL_TOKENS = 16;

/** The CPU VM's prefill program: CPU_PREFILL_TOKENS per step, same queues and KV cache as decode. */
export function compilePrefillForCpu(checkpoint: LoadedCheckpoint, options: CpuVmOptions): Program {
  return compileWithProgress(
    checkpoint,
    {
      queues: options.queues ?? DEFAULT_QUEUES,
      maxSeqLen: options.maxSeqLen,
      kvDtype: 'f32',
      prefillTokens: Math.min(CPU_PREFILL_TOKENS, options.maxSeqLen),
    },
    options.onProgress,
  );
}

export function createCpuVmSession(checkpoint: LoadedCheckpoint, options: CpuVmOptions): DecodeSession {
  return new VmDecoder(
    compileForCpu(checkpoint, options),
    checkpoint,
    {},
    compilePrefillForCpu(checkpoint, options),
  );
}
