/**
 * The oracle chain for one program and prompt: the program on the CPU VM against the direct forward
 * pass, and both against transformers' logits when the checkpoint folder carries them.
 */
import type { Program } from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import { forward, runProgram } from '@megakernel/reference-cpu';
import { compareLogits, type LogitComparison } from './compare-logits.js';
import { readReferenceOutputs } from './reference-outputs.js';

export interface NumericsReport {
  readonly inputIds: readonly number[];
  readonly vmVsForward: LogitComparison;
  /** Present when the checkpoint folder has transformers' logits for these very ids. */
  readonly forwardVsTransformers?: LogitComparison;
  readonly vmVsTransformers?: LogitComparison;
  readonly tolerance: number;
  /** vmVsForward.maxRelError within tolerance. */
  readonly pass: boolean;
}

/**
 * Default tolerance on the VM-vs-forward relative error: f32 KV caches differ from the forward pass
 * only by summation order (~1e-6 measured); a bf16 KV cache rounds every K and V to 8 mantissa bits.
 */
export function defaultTolerance(program: Program): number {
  const options = program.meta.options as { kvDtype?: string } | undefined;
  return options?.kvDtype === 'f32' ? 1e-4 : 3e-2;
}

export function verifyNumerics(
  program: Program,
  checkpoint: Checkpoint,
  inputIds: readonly number[],
  options: { tolerance?: number } = {},
): NumericsReport {
  const vocab = program.config.vocabSize;
  const vm = runProgram(program, checkpoint, inputIds);
  const direct = forward(checkpoint, inputIds);
  const vmVsForward = compareLogits(vm, direct, vocab);
  const tolerance = options.tolerance ?? defaultTolerance(program);
  const ref = readReferenceOutputs(checkpoint.dir);
  const sameIds =
    ref !== null &&
    ref.inputIds.length === inputIds.length &&
    ref.inputIds.every((t, i) => t === inputIds[i]);
  return {
    inputIds,
    vmVsForward,
    ...(sameIds
      ? {
          forwardVsTransformers: compareLogits(direct, ref.logits, vocab),
          vmVsTransformers: compareLogits(vm, ref.logits, vocab),
        }
      : {}),
    tolerance,
    pass: vmVsForward.maxRelError <= tolerance,
  };
}
