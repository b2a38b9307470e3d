/**
 * The VM's memory: one typed array per tensor of the program's table (float dtypes as Float32Array
 * holding values already rounded to the dtype, i32/u32 as Int32Array/Uint32Array). Tensors whose
 * byte ranges overlap in an arena share storage, so a memory plan that reuses buffers behaves as on
 * the GPU. Weights are materialised from their WeightSource, state from its init.
 */
import {
  buildRopeTable,
  DTYPE_BYTES,
  type Program,
  type TensorDtype,
  type TensorEntry,
  tensorElementCount,
  weightSourceNames,
} from '@megakernel/isa';
import { type Checkpoint, materializeWeightSource } from '@megakernel/model';
import { roundArrayToDtype } from '../maths/dtype-convert.js';
import { VmProgramError } from './errors.js';

export type TensorData = Float32Array | Int32Array | Uint32Array;

export function isFloatDtype(dtype: TensorDtype): boolean {
  return dtype === 'f32' || dtype === 'bf16' || dtype === 'f16';
}

function allocate(dtype: TensorDtype, n: number): TensorData {
  if (dtype === 'i32') return new Int32Array(n);
  if (dtype === 'u32') return new Uint32Array(n);
  return new Float32Array(n);
}

export class VmMemory {
  /** data[id] is tensor id's storage (a view into a shared buffer when tensors alias). */
  readonly data: readonly TensorData[];

  /** The prompt length the RoPE table was built for (LongRoPE's factors depend on it). */
  private promptLength: number;

  /** Tensors whose storage is another memory's (`share`): that memory loads and resets them. */
  private readonly borrowed: ReadonlySet<number>;

  /**
   * `share`: another program's memory whose tensors of the same name, dtype and shape (weights, KV
   * caches, tokens, RoPE table; never a token-axis tensor) this one uses instead of its own: a prefill
   * program writes the KV cache its decode program reads.
   */
  constructor(
    readonly program: Program,
    checkpoint: Checkpoint,
    promptLength = 0,
    share?: VmMemory,
  ) {
    this.promptLength = promptLength;
    program.tensors.forEach((t, i) => {
      if (t.id !== i)
        throw new VmProgramError(`tensor table entry ${i} has id ${t.id}; ids must be table positions`);
    });
    const data: TensorData[] = new Array(program.tensors.length);
    const borrowed = new Set<number>();
    if (share) {
      const byName = new Map(share.program.tensors.map((t) => [t.name, t]));
      for (const t of program.tensors) {
        const s = byName.get(t.name);
        if (!s || t.tokenAxis || s.tokenAxis || s.dtype !== t.dtype || s.region !== t.region) continue;
        if (s.shape.join() !== t.shape.join()) continue;
        data[t.id] = share.data[s.id]!;
        borrowed.add(t.id);
      }
    }
    this.borrowed = borrowed;
    for (const region of ['weights', 'state'] as const) {
      const own = program.tensors.filter((t) => t.region === region && !borrowed.has(t.id));
      for (const cluster of overlapClusters(own)) {
        const dtype = cluster[0]!.dtype;
        const bytes = DTYPE_BYTES[dtype];
        if (cluster.some((t) => t.dtype !== dtype || (t.byteOffset - cluster[0]!.byteOffset) % bytes !== 0)) {
          const names = cluster.map((t) => `${t.id} '${t.name}' ${t.dtype} @${t.byteOffset}`).join(', ');
          throw new VmProgramError(`tensors overlap with different dtypes or misaligned offsets: ${names}`);
        }
        const start = cluster[0]!.byteOffset;
        const end = Math.max(...cluster.map((t) => t.byteOffset + tensorElementCount(t) * bytes));
        const backing = allocate(dtype, (end - start) / bytes);
        for (const t of cluster) {
          const first = (t.byteOffset - start) / bytes;
          data[t.id] = backing.subarray(first, first + tensorElementCount(t));
        }
      }
    }
    this.data = data;
    for (const t of program.tensors) if (!borrowed.has(t.id)) this.initialise(t, checkpoint);
  }

  /**
   * Returns every state tensor to its initial value (weights stay): a fresh KV cache without a reload.
   * `promptLength` is the next sequence's prompt length (the RoPE table depends on it under LongRoPE).
   */
  resetState(promptLength = 0): void {
    this.promptLength = promptLength;
    for (const t of this.program.tensors) {
      if (t.region !== 'state' || this.borrowed.has(t.id)) continue;
      this.data[t.id]!.fill(0);
      this.initialise(t, null);
    }
  }

  entry(id: number): TensorEntry {
    return this.program.tensors[id]!;
  }

  private initialise(t: TensorEntry, checkpoint: Checkpoint | null): void {
    const out = this.data[t.id]!;
    const n = tensorElementCount(t);
    let values: ArrayLike<number> | null = null;
    if (t.region === 'weights') {
      if (!t.source) throw new VmProgramError(`weight tensor ${t.id} '${t.name}' has no source`);
      if (!checkpoint) throw new VmProgramError(`weight tensor ${t.id} '${t.name}' needs a checkpoint`);
      values = materializeWeightSource(checkpoint, t.source);
    } else if (t.init?.kind === 'rope-table') {
      values = buildRopeTable(this.program.config, t.shape[0] ?? 0, this.promptLength);
    } else if (t.init?.kind === 'minus-one') {
      out.fill(-1);
      return;
    } else {
      return; // 'zero' or no init: the fresh array is already zero
    }
    if (values.length !== n) {
      const names = t.source === undefined ? [] : weightSourceNames(t.source);
      throw new VmProgramError(
        `${names.length === 0 ? 'its init' : `checkpoint tensor ${names.map((x) => `'${x}'`).join(' + ')}`} gives ${values.length} elements; ` +
          `the program's tensor ${t.id} '${t.name}' [${t.shape.join(', ')}] needs ${n} ` +
          '(the program was compiled for another checkpoint)',
      );
    }
    out.set(values);
    if (out instanceof Float32Array) roundArrayToDtype(out, t.dtype);
  }
}

/** Groups tensors whose byte ranges overlap (transitively); zero-sized tensors stand alone. */
function overlapClusters(tensors: readonly TensorEntry[]): TensorEntry[][] {
  const sorted = [...tensors].sort((a, b) => a.byteOffset - b.byteOffset);
  const clusters: TensorEntry[][] = [];
  let current: TensorEntry[] | null = null;
  let end = -1;
  for (const t of sorted) {
    const tEnd = t.byteOffset + tensorElementCount(t) * DTYPE_BYTES[t.dtype];
    if (tEnd === t.byteOffset) {
      clusters.push([t]);
    } else if (current && t.byteOffset < end) {
      current.push(t);
      end = Math.max(end, tEnd);
    } else {
      current = [t];
      clusters.push(current);
      end = tEnd;
    }
  }
  return clusters;
}
