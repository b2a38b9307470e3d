/**
 * The 'cuda' backend: the checkpoint compiled for the GPU's SM count and run by cuda-hopper's
 * persistent megakernel: many tokens per launch, drawn by the program's own sampler where the settings
 * allow it, else one launch per token with the host sampling between tokens. Each decode session
 * opens its own device handle and frees it on close().
 */

import { CudaDecoder, CudaDevice, DEFAULT_QUEUES, probeCuda as probeAddon } from '@megakernel/cuda-hopper';
import type { Program } from '@megakernel/isa';
import type { LoadedCheckpoint } from '@megakernel/model';
import {
  type AttentionVariant,
  type CompileOptions,
  compileAttentionVariants,
  needsOpChain,
  placePrefillOnVariants,
} from '@megakernel/scheduler';
import type { DecodeSession, ProgressListener } from '../backend.js';
import { compileWithProgress, withCompileProgress } from '../compile-with-progress.js';

export interface CudaProbe {
  readonly ok: boolean;
  /** Why the GPU path is on (device, compute capability) or off (no addon, no driver, no Hopper GPU). */
  readonly reason: string;
  /** What was found, as label/value pairs for `doctor`. */
  readonly details: readonly (readonly [string, string])[];
  /** The addon binary that loaded, if one did. */
  readonly addonPath?: string;
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
  for (const w of p.warnings) details.push(['CUDA addon warning', w]);
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
  const loaded = p.addonPath === undefined ? {} : { addonPath: p.addonPath };
  if (!p.available)
    return { ok: false, reason: p.reason ?? 'the CUDA backend is unavailable', details, ...loaded };
  const d = p.devices.find((x) => x.computeCapability.startsWith('9.'))!;
  return {
    ok: true,
    reason: `${d.name} (compute capability ${d.computeCapability}, ${d.smCount} SMs)`,
    details,
    ...loaded,
  };
}

/** The compile options of the GPU's programs (compileForCuda, compileCudaVariants). */
function cudaCompileOptions(
  checkpoint: LoadedCheckpoint,
  options: CudaOptions & { readonly smCount?: number },
): CompileOptions {
  const smCount = options.smCount ?? probeAddon().devices[0]?.smCount ?? DEFAULT_QUEUES;
  return {
    queues: options.queues ?? smCount,
    maxSeqLen: options.maxSeqLen,
    // Sampling inside the launch where the fused lowering applies (decisions.md, 2026-12-03).
    deviceSampler: !needsOpChain(checkpoint.config),
  };
}

/**
 * The program the GPU runs at the longest context: one queue per SM of the device (`smCount`;
 * default: the SM count the probe reports for GPU 0, DEFAULT_QUEUES when there is none), bf16 KV
 * cache, a device sampler unless the model takes the op-per-step chain.
 */
export function compileForCuda(
  checkpoint: LoadedCheckpoint,
  options: CudaOptions & { readonly smCount?: number },
): Program {
  return compileWithProgress(checkpoint, cudaCompileOptions(checkpoint, options), options.onProgress);
}

/**
 * The programs a GPU session takes turns with: compileForCuda's, one per attention split the cost
 * model picks between the first position and maxSeqLen, on one state layout (decisions.md,
 * "Attention split per launch").
 */
export function compileCudaVariants(
  checkpoint: LoadedCheckpoint,
  options: CudaOptions & { readonly smCount?: number },
): AttentionVariant[] {
  return withCompileProgress(options.onProgress, () =>
    compileAttentionVariants(checkpoint, cudaCompileOptions(checkpoint, options)),
  );
}

/**
 * Prompt tokens per GPU prefill step: one tensor-core MATMUL tile of tokens (128, wgmma's M of two
 * warpgroups), fewer when the context is shorter (decisions.md, "GPU prefill").
 */
export const CUDA_PREFILL_TOKENS = 128;
/** Weight rows per prefill MATMUL: the kernel's wgmma N at most (csrc/matmul_plan.cuh). */
export const CUDA_PREFILL_MATMUL_ROWS = 64;

/**
 * The GPU's prefill program, placed on the decode programs' state so that a session runs a prompt's
 * whole steps with it and decodes over the KV cache it wrote: bf16 product inputs on the tensor cores.
 */
export function compileCudaPrefill(
  checkpoint: LoadedCheckpoint,
  variants: readonly AttentionVariant[],
  options: CudaOptions & { readonly smCount?: number },
): { variants: AttentionVariant[]; prefill: Program } {
  const decode = cudaCompileOptions(checkpoint, options);
  const prefill = compileWithProgress(
    checkpoint,
    {
      queues: decode.queues,
      maxSeqLen: options.maxSeqLen,
      prefillTokens: Math.min(CUDA_PREFILL_TOKENS, options.maxSeqLen),
      prefillMatmulInputs: 'bf16',
      prefillMatmulRows: CUDA_PREFILL_MATMUL_ROWS,
    },
    options.onProgress,
  );
  return placePrefillOnVariants(variants, prefill);
}

export function createCudaSession(checkpoint: LoadedCheckpoint, options: CudaOptions): DecodeSession {
  const device = CudaDevice.open(0);
  let variants: AttentionVariant[];
  let prefill: Program;
  try {
    const withSms = { ...options, smCount: device.info.smCount };
    ({ variants, prefill } = compileCudaPrefill(
      checkpoint,
      compileCudaVariants(checkpoint, withSms),
      withSms,
    ));
  } catch (e) {
    device.close();
    throw e;
  }
  // Throws UnsupportedProgramError (naming every problem) before anything is uploaded; the decoder
  // owns the device from here and closes it when it throws.
  return new CudaDecoder(device, variants[0]!.program, checkpoint, {
    variants,
    prefill,
    onUpload: (p) => options.onProgress?.({ phase: 'upload', done: p.bytesDone, total: p.bytesTotal }),
  });
}
