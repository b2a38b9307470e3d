/**
 * Test support for hand-built programs: a tensor table laid out back to back per arena, queues of
 * instructions, and an in-memory checkpoint that serves named tensors to WeightSources.
 */
import {
  DTYPE_BYTES,
  encodeQueue,
  type Instruction,
  type Program,
  type RuntimeModelConfig,
  type StateInit,
  type TensorDtype,
  type TensorEntry,
  type WeightSource,
} from '@megakernel/isa';
import type { Checkpoint, TensorInfo } from '@megakernel/model';

export interface TensorSpec {
  readonly name: string;
  readonly dtype?: TensorDtype;
  readonly shape: readonly number[];
  /** Weights come from a source; anything else is state. */
  readonly source?: WeightSource;
  readonly init?: StateInit;
}

export class ProgramBuilder {
  private readonly tensors: TensorEntry[] = [];
  private readonly arenaBytes = { weights: 0, state: 0 };
  readonly queues: Instruction[][] = [];
  counterCount = 0;

  constructor(
    readonly config: RuntimeModelConfig,
    readonly maxSeqLen: number,
  ) {}

  tensor(spec: TensorSpec): number {
    const region = spec.source ? 'weights' : 'state';
    const dtype = spec.dtype ?? 'f32';
    const id = this.tensors.length;
    const bytes = spec.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    this.tensors.push({
      id,
      name: spec.name,
      dtype,
      shape: spec.shape,
      region,
      byteOffset: this.arenaBytes[region],
      ...(spec.source ? { source: spec.source } : {}),
      ...(spec.init ? { init: spec.init } : {}),
    });
    // 64-byte alignment, as a GPU plan would use.
    this.arenaBytes[region] += Math.ceil(bytes / 64) * 64;
    return id;
  }

  /** A tensor placed at an explicit byte offset of the state arena (to make aliases). */
  aliasTensor(spec: TensorSpec, byteOffset: number): number {
    const id = this.tensors.length;
    this.tensors.push({
      id,
      name: spec.name,
      dtype: spec.dtype ?? 'f32',
      shape: spec.shape,
      region: 'state',
      byteOffset,
    });
    return id;
  }

  counter(): number {
    return this.counterCount++;
  }

  push(queue: number, inst: Instruction): void {
    while (this.queues.length <= queue) this.queues.push([]);
    this.queues[queue]!.push(inst);
  }

  build(io: Program['io']): Program {
    return {
      formatVersion: 1,
      config: this.config,
      maxSeqLen: this.maxSeqLen,
      tensors: this.tensors,
      weightBytes: this.arenaBytes.weights,
      stateBytes: this.arenaBytes.state,
      counterCount: this.counterCount,
      io,
      queues: this.queues.map((q) => encodeQueue(q)),
      meta: { builtBy: 'reference-cpu tests' },
    };
  }
}

/** A Checkpoint that only serves named tensors (for WeightSources); roles are not available. */
export function tensorCheckpoint(
  config: RuntimeModelConfig,
  tensors: Record<string, { data: Float32Array; shape: number[] }>,
): Checkpoint {
  const get = (name: string) => {
    const t = tensors[name];
    if (!t) throw new RangeError(`no tensor '${name}'`);
    return t;
  };
  const noRoles = (): never => {
    throw new Error('tensorCheckpoint has no weight roles');
  };
  return {
    dir: '<tensors>',
    config,
    rawConfig: {},
    listTensors: (): TensorInfo[] =>
      Object.entries(tensors).map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape })),
    readTensor: (name) => get(name).data.slice(),
    hasWeight: () => false,
    weight: noRoles,
    weightSource: noRoles,
    weightShape: noRoles,
    close: () => {},
  };
}
