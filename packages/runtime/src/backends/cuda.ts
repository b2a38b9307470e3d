/**
 * The 'cuda' backend: the checkpoint compiled for the GPU's SM count and run by cuda-hopper's
 * persistent megakernel, one launch per token (the host samples between tokens).
 */

import { CudaProgram, probeCuda as probeAddon, sharedSession } from '@megakernel/cuda-hopper';
import type { Program } from '@megakernel/isa';
import type { LoadedCheckpoint } from '@megakernel/model';
import { compile } from '@megakernel/scheduler';
import type { DecodeSession, ProgressListener } from '../backend.js';

export interface CudaProbe {
  readonly ok: boolean;
  /** Why the GPU path is on (device, compute capability) or off (no addon, no driver, no Hopper GPU). */
  readonly reason: string;
  /** What was found, as label/value pairs for `doctor`. */
  readonly details: readonly (readonly [string, string])[];
}

export interface CudaOptions {
  readonly maxSeqLen: number;
  readonly queues?: number;
  readonly onProgress?: ProgressListener;
}

const version = (v: number | undefined): string =>
  v === undefined || v <= 0 ? 'unknown' : `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;

/** cuda-hopper's probe in words; never throws. */
export async function probeCuda(): Promise<CudaProbe> {
  const p = probeAddon();
  const details: [string, string][] = [
    ['CUDA addon', p.addonPath ?? `not loaded (${p.reason ?? 'unknown'})`],
  ];
  if (p.addonPath !== undefined) {
    details.push(['CUDA driver', version(p.driverVersion)], ['CUDA runtime', version(p.runtimeVersion)]);
  }
  p.devices.forEach((d) => {
    details.push([
      `GPU ${d.index}`,
      `${d.name}, compute capability ${d.computeCapability}, ${d.smCount} SMs, ` +
        `${(d.memoryBytes / 2 ** 30).toFixed(0)} GiB, shared memory ${(d.sharedPerBlockOptin / 1024).toFixed(0)} KiB per block` +
        `${d.cooperativeLaunch ? '' : ', no cooperative launch'}`,
    ]);
  });
  if (!p.available) return { ok: false, reason: p.reason ?? 'the CUDA backend is unavailable', details };
  const d = p.devices.find((x) => x.computeCapability.startsWith('9.'))!;
  return {
    ok: true,
    reason: `${d.name} (compute capability ${d.computeCapability}, ${d.smCount} SMs)`,
    details,
  };
}

/** The program the GPU runs: one queue per SM, bf16 KV cache. */
export function compileForCuda(checkpoint: LoadedCheckpoint, options: CudaOptions): Program {
  options.onProgress?.({ phase: 'compile', done: 0, total: 1 });
  const program = compile(checkpoint, {
    queues: options.queues ?? sharedSession().device.smCount,
    maxSeqLen: options.maxSeqLen,
  });
  options.onProgress?.({ phase: 'compile', done: 1, total: 1 });
  return program;
}

export function createCudaSession(checkpoint: LoadedCheckpoint, options: CudaOptions): DecodeSession {
  const program = compileForCuda(checkpoint, options);
  // Throws UnsupportedProgramError (naming every problem) before anything is uploaded.
  const gpu = new CudaProgram(sharedSession(), program);
  gpu.uploadWeights(checkpoint, (p) =>
    options.onProgress?.({ phase: 'upload', done: p.bytesDone, total: p.bytesTotal }),
  );
  const vocab = program.config.vocabSize;
  let position = 0;
  return {
    get position() {
      return position;
    },
    maxSeqLen: program.maxSeqLen,
    step(token) {
      gpu.setTokens([token], position);
      gpu.run({ steps: 1, pos0: position });
      position++;
      return gpu.readLogits().subarray(0, vocab);
    },
    reset() {
      gpu.reset();
      position = 0;
    },
    close() {},
  };
}
