/**
 * The per-tensor diff: one program on both VMs, step by step, every state tensor compared after
 * every step. Where the logits alone say only "wrong", this names the first tensor and step that
 * went wrong (on the unfused lowering, every intermediate of the model has its own tensor).
 */
import type { Program } from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import { traceProgram } from '@megakernel/reference-cpu';
import type { CudaDevice } from '../src/index.js';
import { CudaProgram } from '../src/index.js';

export interface TensorDiff {
  readonly pos: number;
  readonly tensor: string;
  /** max |gpu - cpu| / max |cpu| over the tensor. */
  readonly error: number;
}

export interface TensorDiffReport {
  readonly steps: number;
  readonly tensors: number;
  /** The largest error seen, and the first (pos, tensor) over the tolerance if any. */
  readonly worst: TensorDiff;
  readonly firstOver: TensorDiff | null;
}

/**
 * max |a - b| / max |b|, where equal values (an empty attention chunk's -inf LSE on both sides, say)
 * count as no difference and any other non-finite difference as infinite.
 */
function tensorError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    const d = Math.abs(a[i]! - b[i]!);
    num = Number.isFinite(d) ? Math.max(num, d) : Number.POSITIVE_INFINITY;
    if (Number.isFinite(b[i]!)) den = Math.max(den, Math.abs(b[i]!));
  }
  return num === 0 ? 0 : den === 0 ? num : num / den;
}

export function diffTensors(
  device: CudaDevice,
  program: Program,
  checkpoint: Checkpoint,
  inputIds: readonly number[],
  tolerance: number,
  /** Changes the GPU side after the weights are uploaded (the test that the diff can fail). */
  corrupt?: (gpu: CudaProgram) => void,
): TensorDiffReport {
  const cpu = traceProgram(program, checkpoint, inputIds);
  const gpu = new CudaProgram(device, program);
  gpu.uploadWeights(checkpoint);
  corrupt?.(gpu);
  gpu.reset(inputIds.length);
  gpu.setTokens(inputIds);
  // u32 argmax keys do not survive readTensor's f32 conversion; the tokens they choose are compared.
  const compared = program.tensors.filter((t) => t.region === 'state' && t.dtype !== 'u32');
  let worst: TensorDiff = { pos: 0, tensor: '', error: 0 };
  let firstOver: TensorDiff | null = null;
  for (let pos = 0; pos < inputIds.length; pos++) {
    gpu.run({ steps: 1, pos0: pos });
    for (const t of compared) {
      const error = tensorError(gpu.readTensor(t.id), cpu[pos]!.get(t.id)!);
      const d = { pos, tensor: t.name, error };
      if (!(error <= worst.error)) worst = d;
      if (firstOver === null && !(error <= tolerance)) firstOver = d;
    }
  }
  return { steps: inputIds.length, tensors: compared.length, worst, firstOver };
}
