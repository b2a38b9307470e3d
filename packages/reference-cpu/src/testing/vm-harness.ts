/** Test support for single-instruction VM tests: a builder with io tensors, and a loosely typed instructionFor. */
import {
  type Instruction,
  type instructionFor,
  instructionFromOperands,
  type OperandValues,
  type Program,
  type RuntimeModelConfig,
  type SyncFields,
} from '@megakernel/isa';
import { ProgramRun, type RunProgramOptions } from '../vm/run-program.js';
import { ProgramBuilder, tensorCheckpoint } from './program-builder.js';
import { TINY_CONFIGS } from './tiny-configs.js';

export const HARNESS_CONFIG = TINY_CONFIGS['llama-gqa']!;

/** instructionFor with operands given as a plain record (flag names and numbers mixed). */
export function inst(
  op: Parameters<typeof instructionFor>[0],
  operands: Record<string, unknown>,
  sync: SyncFields = {},
): Instruction {
  return instructionFromOperands(op, operands as unknown as OperandValues, sync);
}

export class Harness {
  readonly b: ProgramBuilder;
  readonly io: Program['io'];
  private readonly weights: Record<string, { data: Float32Array; shape: number[] }> = {};

  constructor(
    maxSeqLen = 8,
    readonly config: RuntimeModelConfig = HARNESS_CONFIG,
  ) {
    this.b = new ProgramBuilder(config, maxSeqLen);
    this.io = {
      tokens: this.b.tensor({
        name: 'tokens',
        dtype: 'i32',
        shape: [maxSeqLen],
        init: { kind: 'minus-one' },
      }),
      logits: this.b.tensor({ name: 'logits', shape: [config.vocabSize] }),
      argmax: this.b.tensor({ name: 'argmax', dtype: 'u32', shape: [maxSeqLen, 2] }),
    };
  }

  /** A weight tensor whose values come from the test checkpoint under `name`. */
  weight(name: string, data: Float32Array, shape: number[], dtype: 'f32' | 'bf16' = 'f32'): number {
    this.weights[name] = { data, shape };
    return this.b.tensor({ name, dtype, shape, source: { kind: 'tensor', name } });
  }

  state(name: string, shape: number[], dtype: 'f32' | 'bf16' | 'f16' | 'i32' | 'u32' = 'f32'): number {
    return this.b.tensor({ name, dtype, shape });
  }

  load(opts: RunProgramOptions = { strict: true }): ProgramRun {
    return new ProgramRun(this.b.build(this.io), tensorCheckpoint(this.config, this.weights), opts);
  }
}

/** A tensor's storage in a loaded run. */
export function data<T extends Float32Array | Int32Array | Uint32Array = Float32Array>(
  run: ProgramRun,
  id: number,
): T {
  return run.memory.data[id] as T;
}
