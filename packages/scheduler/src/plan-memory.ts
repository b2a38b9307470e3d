/**
 * Memory planning: every tensor a program names gets an id and a 256-byte-aligned byte offset in
 * its arena (weights or state). Offsets are plain numbers (u64 in the container); the plan checks
 * they stay below 2^53 so no JS arithmetic on them ever rounds.
 */
import {
  DTYPE_BYTES,
  type StateInit,
  type TensorDtype,
  type TensorEntry,
  type TensorRegion,
  type WeightSource,
} from '@megakernel/isa';

export const TENSOR_ALIGNMENT = 256;

/** What a tensor is for, in memory reports. */
export type TensorCategory =
  | 'layer-weights'
  | 'norms'
  | 'embedding'
  | 'lm-head'
  | 'kv-cache'
  | 'rope-table'
  | 'activations'
  | 'scratch'
  | 'logits'
  | 'io';

export interface TensorSpec {
  readonly name: string;
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  readonly region: TensorRegion;
  readonly category: TensorCategory;
  readonly source?: WeightSource;
  readonly init?: StateInit;
  /** A prefill program's per-token state: the first dimension is the step's tokens. */
  readonly tokenAxis?: boolean;
  readonly layer?: number;
  /**
   * Arena bytes to reserve when more than the shape needs: the attention partials of programs that
   * share one state layout with variants of more chunks (attention-variants.ts).
   */
  readonly reserveBytes?: number;
}

export interface ByteCount {
  readonly tensors: number;
  readonly bytes: number;
}

export interface MemoryReport {
  readonly alignment: number;
  readonly regions: Readonly<Record<TensorRegion, ByteCount>>;
  readonly categories: Readonly<Partial<Record<TensorCategory, ByteCount>>>;
  /** Weight bytes by role (`qkv`, `down`, `embed`, ...), summed over layers. */
  readonly weightRoles: Readonly<Record<string, ByteCount>>;
  /** Bytes lost to alignment. */
  readonly paddingBytes: number;
}

export interface MemoryPlan {
  readonly tensors: readonly TensorEntry[];
  readonly weightBytes: number;
  readonly stateBytes: number;
  readonly report: MemoryReport;
}

export class MemoryPlanError extends Error {
  override readonly name = 'MemoryPlanError';
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;
const roleOf = (name: string): string => name.replace(/^layers\.\d+\./, '');

/** Lays out `specs` in order (id = index), each region packed from 0 with `alignment`-byte starts. */
export function planMemory(specs: readonly TensorSpec[], alignment = TENSOR_ALIGNMENT): MemoryPlan {
  const end: Record<TensorRegion, number> = { weights: 0, state: 0 };
  const regions: Record<TensorRegion, { tensors: number; bytes: number }> = {
    weights: { tensors: 0, bytes: 0 },
    state: { tensors: 0, bytes: 0 },
  };
  const categories: Partial<Record<TensorCategory, { tensors: number; bytes: number }>> = {};
  const weightRoles: Record<string, { tensors: number; bytes: number }> = {};
  let paddingBytes = 0;
  const names = new Set<string>();
  const tensors = specs.map((spec, id): TensorEntry => {
    if (names.has(spec.name)) throw new MemoryPlanError(`duplicate tensor name '${spec.name}'`);
    names.add(spec.name);
    let elements = 1;
    for (const d of spec.shape) {
      if (!Number.isInteger(d) || d <= 0)
        throw new MemoryPlanError(`${spec.name}: bad shape [${spec.shape.join(', ')}]`);
      elements *= d;
    }
    const bytes = Math.max(elements * DTYPE_BYTES[spec.dtype], spec.reserveBytes ?? 0);
    const byteOffset = alignUp(end[spec.region], alignment);
    paddingBytes += byteOffset - end[spec.region];
    end[spec.region] = byteOffset + bytes;
    if (!Number.isSafeInteger(end[spec.region])) {
      throw new MemoryPlanError(`${spec.region} arena passes 2^53 bytes at '${spec.name}'`);
    }
    const count = (rec: { tensors: number; bytes: number }): void => {
      rec.tensors++;
      rec.bytes += bytes;
    };
    count(regions[spec.region]);
    count((categories[spec.category] ??= { tensors: 0, bytes: 0 }));
    if (spec.region === 'weights') count((weightRoles[roleOf(spec.name)] ??= { tensors: 0, bytes: 0 }));
    return {
      id,
      name: spec.name,
      dtype: spec.dtype,
      shape: [...spec.shape],
      region: spec.region,
      byteOffset,
      ...(spec.source !== undefined ? { source: spec.source } : {}),
      ...(spec.init !== undefined ? { init: spec.init } : {}),
      ...(spec.layer !== undefined ? { layer: spec.layer } : {}),
      ...(spec.tokenAxis ? { tokenAxis: true } : {}),
    };
  });
  const weightBytes = alignUp(end.weights, alignment);
  const stateBytes = alignUp(end.state, alignment);
  return {
    tensors,
    weightBytes,
    stateBytes,
    report: { alignment, regions, categories, weightRoles, paddingBytes },
  };
}
