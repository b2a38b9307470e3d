/**
 * The GPU backend with the CPU VM's interface: `runProgramCuda` ≡ reference-cpu's `runProgram`
 * (logits [T * vocab] for every prompt position), `greedyCuda` ≡ `runGreedy` (in-program argmax).
 */
import { decodeQueue, encodeQueue, opcodeInfo, operandField, type Program } from '@megakernel/isa';
import type { TensorReader } from '@megakernel/model';
import { type CudaDevice, sharedDevice } from './device.js';
import { CudaProgram, type UploadProgress } from './device-program.js';

export interface RunProgramCudaOptions {
  /** Device handle to use (default: device 0, opened once per process). */
  readonly device?: CudaDevice;
  readonly watchdogMs?: number;
  readonly onProgress?: (p: UploadProgress) => void;
}

export interface GreedyCudaOptions extends RunProgramCudaOptions {
  /** Replaces the suppressToken operand of every argmax-folding instruction (undefined: as compiled). */
  readonly suppressToken?: number;
}

function load(program: Program, checkpoint: TensorReader, opts: RunProgramCudaOptions): CudaProgram {
  const p = new CudaProgram(
    opts.device ?? sharedDevice(),
    program,
    opts.watchdogMs ? { watchdogMs: opts.watchdogMs } : {},
  );
  p.uploadWeights(checkpoint, opts.onProgress);
  return p;
}

/** Logits [T * vocab] for every position of the prompt, computed by the program on the GPU. */
export function runProgramCuda(
  program: Program,
  checkpoint: TensorReader,
  inputIds: readonly number[],
  opts: RunProgramCudaOptions = {},
): Float32Array {
  if (inputIds.length === 0) throw new RangeError('empty prompt');
  return load(program, checkpoint, opts).runPrompt(inputIds);
}

/** The program with every suppressToken operand replaced. */
export function withSuppressToken(program: Program, token: number): Program {
  const queues = program.queues.map((bytes) =>
    encodeQueue(
      decodeQueue(bytes).map((inst) => {
        const info = opcodeInfo(inst.opcode);
        const field = info && operandField(info, 'suppressToken');
        return field ? { ...inst, [field]: token >>> 0 } : inst;
      }),
    ),
  );
  return { ...program, queues };
}

/** Greedy continuation of n tokens, all decode steps in one launch (argmax stays on the GPU). */
export function greedyCuda(
  program: Program,
  checkpoint: TensorReader,
  inputIds: readonly number[],
  n: number,
  opts: GreedyCudaOptions = {},
): number[] {
  if (inputIds.length === 0 || n < 1) throw new RangeError('greedyCuda needs a prompt and n >= 1');
  const p = opts.suppressToken === undefined ? program : withSuppressToken(program, opts.suppressToken);
  return load(p, checkpoint, opts).greedy(inputIds, n);
}
