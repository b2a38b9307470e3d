/**
 * The shape of an opcode's descriptor, and the small constructors every `ops/<op>.ts` file uses.
 * A descriptor is the one place an opcode's meaning is written: its operands with their roles and
 * dtypes, its arguments and flags, the elements it reads and writes (`accesses`), the shape rules
 * validation enforces (`geometry`), and the name of its file in both VMs (`file`). Everything else
 * (the C++ accessors, the weight-stream table, the docs tables, the verifier's access model) is
 * derived from it.
 */
import type { AccessView } from './access-view.js';
import type { Geometry } from './geometry.js';
import type { ArgField, FloatField, TensorSlotField } from './instruction-layout.js';
import type { TensorDtype } from './program-types.js';

export type OpcodeCategory =
  | 'control'
  | 'memory'
  | 'linear'
  | 'norm'
  | 'attention'
  | 'activation'
  | 'elementwise'
  | 'fused'
  | 'model-specific'
  | 'custom';

/**
 * What an instruction does with a tensor operand: `read` it, `stream` it (a weight matrix the GPU
 * loader streams through its bulk-copy ring, tile by tile; an optional one is streamed when
 * present), `write` it, or `update` it (read and write the same elements: in place, accumulated, or
 * an atomic fold). The exact elements are the op's `accesses`; the role is what backends plan by.
 */
export type OperandRole = 'read' | 'stream' | 'write' | 'update';

export interface TensorOperand {
  readonly slot: TensorSlotField;
  readonly name: string;
  readonly role: OperandRole;
  readonly optional?: boolean;
  /** Dtypes the VMs accept for this operand (validated in both modes: kernels are typed). */
  readonly dtypes: readonly TensorDtype[];
  readonly doc: string;
  /**
   * What the operand must be bound to, beyond its shape: `param`, a model parameter (with `stream`
   * operands, the only ones that may name a weights-region tensor); `residual`, the residual stream
   * (every such operand of a program names the same tensor). The verifier checks both.
   */
  readonly binds?: 'param' | 'residual';
  /**
   * The GPU's loader reads it, to know which weights to stream, before the instruction runs and so
   * before the instructions ahead of it on its queue finish: its writers must be ordered before the
   * instruction by the instruction's own waits, not by program order (the verifier's loader-read rule;
   * wait elision keeps such an instruction's waits).
   */
  readonly loaderRead?: boolean;
}
/**
 * A constant of the model that an instruction field restates (`model-constants.ts` says how each is
 * derived from the program's config): such a field must equal it, so a corrupted eps or scale is
 * refused at load instead of running to wrong logits.
 */
export type ModelConstant =
  | 'normEps'
  | 'attentionScale'
  | 'embeddingScale'
  | 'residualScale'
  | 'logitsScale'
  | 'slidingWindow'
  | 'attnLogitSoftcap'
  | 'activation'
  | 'layerNorm'
  | 'mlpGated'
  | 'moeTopK'
  | 'moeNormalize';

export interface ArgOperand {
  readonly field: ArgField;
  readonly name: string;
  readonly doc: string;
  readonly model?: ModelConstant;
  /**
   * Picks which part of a stacked streamed weight the tile reads (MOE_MATVEC's slot): tiles that
   * differ in it belong to different ops, though they name the same weight.
   */
  readonly selector?: boolean;
}
export interface FloatOperand {
  readonly field: FloatField;
  readonly name: string;
  readonly doc: string;
  readonly model?: ModelConstant;
}
export interface FlagBit {
  /** Mask within the flags byte (a multi-bit field when it has more than one bit set). */
  readonly mask: number;
  readonly name: string;
  readonly doc: string;
  readonly model?: ModelConstant;
}

export interface OpcodeInfo {
  readonly name: string;
  readonly value: number;
  readonly category: OpcodeCategory;
  /** `reserved` opcodes have a defined meaning: no VM executes them and validation rejects them. */
  readonly status: 'executable' | 'reserved';
  /** What the op computes (executable) or why the value is reserved. */
  readonly summary: string;
  readonly tensors: readonly TensorOperand[];
  readonly args: readonly ArgOperand[];
  readonly floats: readonly FloatOperand[];
  readonly flags: readonly FlagBit[];
  /**
   * Executable ops: the op's file in both VMs, `csrc/ops/<file>.cuh` and `reference-cpu/src/ops/
   * <file in kebab-case>.ts` (ops that share a kernel share a file).
   */
  readonly file?: string;
  /**
   * The op covers tokens [token, token + tokenCount) of a prefill step and sees its token-axis operands
   * whole (MATMUL); every other op works on token `token` and sees their rows (token-axis.ts).
   */
  readonly tokenRange?: boolean;
  /** Executable ops: every element the instruction reads and writes, against named operands. */
  readonly accesses?: (a: AccessView) => void;
  /** Executable ops: the shape rules of its operands (validation; `safety` ones in release mode too). */
  readonly geometry?: (g: Geometry) => void;
}

/** Keeps the literal names so builders can be typed from the table itself. */
export const defineOp = <const D extends OpcodeInfo>(d: D): D => d;

export const FLOAT: readonly TensorDtype[] = ['f32', 'bf16', 'f16'];
export const F32: readonly TensorDtype[] = ['f32'];
export const ANY: readonly TensorDtype[] = ['f32', 'bf16', 'f16', 'i32', 'u32'];

export function tensor<const N extends string>(
  slot: TensorSlotField,
  name: N,
  role: OperandRole,
  dtypes: readonly TensorDtype[],
  doc: string,
  optional = false,
): TensorOperand & { readonly name: N } {
  return optional ? { slot, name, role, optional, dtypes, doc } : { slot, name, role, dtypes, doc };
}
/** A model parameter read whole or by rows (biases, norm weights, embedding tables). */
export function param<const N extends string>(
  slot: TensorSlotField,
  name: N,
  doc: string,
  optional = false,
): TensorOperand & { readonly name: N } {
  return { ...tensor(slot, name, 'read', FLOAT, doc, optional), binds: 'param' };
}

/** The operand is read by the GPU loader ahead of the instruction (see TensorOperand.loaderRead). */
export const loaderRead = <T extends TensorOperand>(t: T): T & { readonly loaderRead: true } => ({
  ...t,
  loaderRead: true,
});

/** Whether an instruction's opcode has an operand the loader reads (its waits must stay). */
export function hasLoaderRead(info: Pick<OpcodeInfo, 'tensors'> | undefined): boolean {
  return info?.tensors.some((t) => t.loaderRead === true) ?? false;
}

/** The operand is the residual stream. */
export const residual = <T extends TensorOperand>(t: T): T & { readonly binds: 'residual' } => ({
  ...t,
  binds: 'residual',
});

export const arg = <const N extends string>(
  field: ArgField,
  name: N,
  doc: string,
  model?: ModelConstant,
): ArgOperand & { readonly name: N } => (model ? { field, name, doc, model } : { field, name, doc });
export const float = <const N extends string>(
  field: FloatField,
  name: N,
  doc: string,
  model?: ModelConstant,
): FloatOperand & { readonly name: N } => (model ? { field, name, doc, model } : { field, name, doc });
