/**
 * The oracle chain for one program and prompt: the program on the CPU VM against the direct forward
 * pass, and both against transformers' logits when the checkpoint folder carries them.
 */
import type { Program } from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import { forward, runProgram } from '@megakernel/reference-cpu';
import { compareLogits, type LogitComparison } from './compare-logits.js';
import { PromptError } from './errors.js';
import { checkProgram } from './program-load.js';
import { readReferenceOutputs } from './reference-outputs.js';

export interface NumericsReport {
  readonly inputIds: readonly number[];
  readonly vmVsForward: LogitComparison;
  /** Present when the checkpoint folder has transformers' logits for these very ids. */
  readonly forwardVsTransformers?: LogitComparison;
  readonly vmVsTransformers?: LogitComparison;
  /** Bound on vmVsForward (the option, or defaultTolerance). */
  readonly tolerance: number;
  /** Each compared line's bound: `tolerance`, FORWARD_TOLERANCE, and their sum for VM vs transformers. */
  readonly bounds: Readonly<Record<ComparedLine, number>>;
  /** The compared lines over their bounds (empty when every line is within). */
  readonly overTolerance: readonly ComparedLine[];
  /** Every compared line within its bound. */
  readonly pass: boolean;
}

export type ComparedLine = 'vmVsForward' | 'forwardVsTransformers' | 'vmVsTransformers';

/**
 * The direct forward pass against transformers' float32 logits: both compute the same model in f32 on the
 * same bf16-valued weights, so they differ by summation order only (≤ 7e-7 measured on every fixture);
 * 1e-4 is the brief's bound for the float32 paths.
 */
export const FORWARD_TOLERANCE = 1e-4;

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
  // A program from outside is checked against this checkpoint before the VM allocates anything.
  checkProgram(program, { model: checkpoint.config });
  const vocab = program.config.vocabSize;
  checkPromptIds(inputIds, vocab, program.maxSeqLen);
  const vm = runProgram(program, checkpoint, inputIds);
  const direct = forward(checkpoint, inputIds);
  const vmVsForward = compareLogits(vm, direct, vocab);
  const tolerance = options.tolerance ?? defaultTolerance(program);
  const ref = readReferenceOutputs(checkpoint.dir);
  const sameIds =
    ref !== null &&
    ref.inputIds.length === inputIds.length &&
    ref.inputIds.every((t, i) => t === inputIds[i]);
  const lines: Partial<Record<ComparedLine, LogitComparison>> = { vmVsForward };
  if (sameIds) {
    lines.forwardVsTransformers = compareLogits(direct, ref.logits, vocab);
    lines.vmVsTransformers = compareLogits(vm, ref.logits, vocab);
  }
  const bound: Record<ComparedLine, number> = {
    vmVsForward: tolerance,
    forwardVsTransformers: FORWARD_TOLERANCE,
    vmVsTransformers: tolerance + FORWARD_TOLERANCE,
  };
  // NaN is over every bound (`!(x <= bound)`), so a non-finite line never passes.
  const overTolerance = (Object.keys(lines) as ComparedLine[]).filter(
    (k) => !(lines[k]!.maxRelError <= bound[k]),
  );
  return {
    inputIds,
    vmVsForward,
    ...(lines.forwardVsTransformers ? { forwardVsTransformers: lines.forwardVsTransformers } : {}),
    ...(lines.vmVsTransformers ? { vmVsTransformers: lines.vmVsTransformers } : {}),
    tolerance,
    bounds: bound,
    overTolerance,
    pass: overTolerance.length === 0,
  };
}

/** Ids the VM and the forward pass can take: 1..maxSeqLen of them, each in [0, vocab). */
function checkPromptIds(inputIds: readonly number[], vocab: number, maxSeqLen: number): void {
  if (inputIds.length === 0) throw new PromptError('the prompt is empty');
  const bad = inputIds.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
  if (bad >= 0) {
    throw new PromptError(`prompt token ${bad} is id ${inputIds[bad]}, outside the vocabulary [0, ${vocab})`);
  }
  if (inputIds.length > maxSeqLen) {
    throw new PromptError(
      `the prompt's ${inputIds.length} tokens exceed the program's context of ${maxSeqLen} positions`,
    );
  }
}
