/**
 * What a program is: the contract between the scheduler and both VMs. A program = model config +
 * tensor table (every buffer an instruction can name) + counter count + one instruction array per
 * queue (queue i runs on SM / block i).
 */
import type { RuntimeModelConfig } from './model-config.js';

export type TensorDtype = 'f32' | 'bf16' | 'f16' | 'i32' | 'u32';
export const DTYPE_BYTES: Record<TensorDtype, number> = { f32: 4, bf16: 2, f16: 2, i32: 4, u32: 4 };

/**
 * Which arena a tensor lives in. Offsets are bytes from the start of its arena (u64 in the binary
 * container), so a 15 GB checkpoint is addressable: instructions name tensors by id, never by address.
 */
export type TensorRegion = 'weights' | 'state';

/** How a weight tensor is made from checkpoint tensors (applied by the weight loader). */
export type WeightSource =
  /** One checkpoint tensor as is, [out, in] for linear layers. */
  | { readonly kind: 'tensor'; readonly name: string }
  /** Conv1D weights stored [in, out] (GPT-2), transposed to [out, in]. */
  | { readonly kind: 'transpose'; readonly name: string }
  /** Rows [start, start + count) of a source (GPT-2's fused c_attn split into Q, K and V). */
  | { readonly kind: 'rows'; readonly source: WeightSource; readonly start: number; readonly count: number }
  /** Rows of several tensors stacked ([Q; K; V] or gamma/beta pairs), each with its own transform. */
  | { readonly kind: 'concat'; readonly parts: readonly WeightSource[] }
  /** Sources of one shape stacked along a new first axis ([E, out, in] from E experts' [out, in]). */
  | { readonly kind: 'stack'; readonly parts: readonly WeightSource[] }
  /**
   * Rows of a Q or K projection (or its bias) in rotate-half order permuted into interleaved order
   * within each head's rotary part, so that 2i and 2i+1 form a RoPE pair.
   */
  | {
      readonly kind: 'rope-permute';
      readonly source: WeightSource;
      readonly heads: number;
      readonly headDim: number;
      readonly rotaryDim: number;
    }
  /** 1 + each value of a source: norm weights stored as offsets from 1 (Gemma's RMSNorm). */
  | { readonly kind: 'add-one'; readonly source: WeightSource };

/** How a state tensor is initialised when the program is loaded (and on reset). */
export type StateInit =
  | { readonly kind: 'zero' }
  /** RoPE table [maxSeq, rot/2, 2]: (cos, sin) of pos · invFreq[i], invFreq from the model config. */
  | { readonly kind: 'rope-table' }
  /** Filled with -1 (token ids not yet known). */
  | { readonly kind: 'minus-one' };

export interface TensorEntry {
  readonly id: number;
  readonly name: string;
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  readonly region: TensorRegion;
  readonly byteOffset: number;
  /** Weights: where the values come from. */
  readonly source?: WeightSource;
  /** State: how it is initialised. */
  readonly init?: StateInit;
  /** Transformer layer for per-layer tensors. */
  readonly layer?: number;
  /** State of a prefill program: the first dimension is the step's tokens (token-axis.ts). */
  readonly tokenAxis?: boolean;
}

export interface CompileOptions {
  readonly queues: number;
  readonly maxSeqLen: number;
  readonly [key: string]: unknown;
}

export interface ProgramIo {
  readonly tokens: number;
  readonly logits: number;
  readonly argmax: number;
  readonly candidates?: number;
  readonly sampling?: number;
  readonly uniforms?: number;
}

/** The io keys every program has. */
export const BASE_IO_KEYS = ['tokens', 'logits', 'argmax'] as const;

/** The io keys a program with a device sampler has, all three or none. */
export const SAMPLER_IO_KEYS = ['candidates', 'sampling', 'uniforms'] as const;

export interface Program {
  readonly formatVersion: number;
  readonly config: RuntimeModelConfig;
  readonly maxSeqLen: number;
  readonly tensors: readonly TensorEntry[];
  /** Arena sizes in bytes. */
  readonly weightBytes: number;
  readonly stateBytes: number;
  readonly counterCount: number;
  /** Prefill programs: prompt tokens (positions) one step works on; absent = 1 (decode). */
  readonly tokensPerStep?: number;
  /**
   * Well-known tensor ids a host needs: token ids, logits, argmax keys; with a device sampler (SAMPLE),
   * its candidate keys, the sampling parameters and the per-position uniform draws the host writes.
   */
  readonly io: ProgramIo;
  /** queues[i] is the encoded instruction stream of queue i, 64 bytes each. */
  readonly queues: readonly Uint8Array[];
  /** Free-form compile metadata (options, scheduler version); carried through the container. */
  readonly meta: Readonly<Record<string, unknown>>;
}
