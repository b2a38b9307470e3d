/**
 * What an executing instruction sees: its named operands (through the opcode table, so a VM can
 * never read an operand from the wrong field), the tensors they name, `pos`, and helpers that check
 * accesses (strict mode) and round stores to the destination dtype.
 */
import {
  ACTIVATION_SHIFT,
  FLAG_ACTIVATION_MASK,
  type Instruction,
  NONE16,
  type OpcodeInfo,
  operandField,
  seesTokenRow,
  tensorElementCount,
  tokenRowElements,
} from '@megakernel/isa';
import { roundArrayToDtype } from '../maths/dtype-convert.js';
import { type InstructionSite, VmBoundsError, VmInstructionError } from './errors.js';
import { isFloatDtype, type TensorData, type VmMemory } from './memory.js';

export interface TensorOperandView {
  readonly operand: string;
  readonly id: number;
  /** Element offset of `data` in the whole tensor: a token row's start (prefill), else 0. */
  readonly base: number;
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly elements: number;
  readonly data: TensorData;
}

export interface FloatOperandView extends TensorOperandView {
  readonly data: Float32Array;
}

/** One access an executor made, as it checked it: elements [start, start + count) of a tensor. */
export interface RecordedAccess {
  readonly tensor: number;
  readonly access: 'read' | 'write';
  readonly start: number;
  readonly count: number;
}

export class ExecContext {
  /** Strict mode: every access the executor checked, in order (compared with the ISA's access model). */
  readonly recorded: RecordedAccess[] = [];

  constructor(
    readonly memory: VmMemory,
    readonly inst: Instruction,
    readonly info: OpcodeInfo,
    readonly site: InstructionSite,
    /** The step's position; `pos` is this instruction's (plus its token in a prefill step). */
    readonly stepPos: number,
    readonly strict: boolean,
  ) {}

  /** The instruction's position: the step's plus its token (prefill; token 0 in decode). */
  get pos(): number {
    return this.stepPos + this.inst.token;
  }

  fail(problem: string): never {
    throw new VmInstructionError(this.site, problem);
  }

  /** A u32/f32 argument by its schema name. */
  arg(name: string): number {
    const field = operandField(this.info, name);
    if (!field) this.fail(`opcode has no operand '${name}'`);
    return this.inst[field];
  }

  flag(mask: number): boolean {
    return (this.inst.flags & mask) !== 0;
  }

  activationCode(): number {
    return (this.inst.flags & FLAG_ACTIVATION_MASK) >> ACTIVATION_SHIFT;
  }

  /** The tensor an operand names, or null when the slot is empty (an error unless `optional`). */
  tensor(operand: string, optional: true): TensorOperandView | null;
  tensor(operand: string, optional?: false): TensorOperandView;
  tensor(operand: string, optional = false): TensorOperandView | null {
    const field = operandField(this.info, operand);
    if (!field) this.fail(`opcode has no operand '${operand}'`);
    const id = this.inst[field];
    if (id === NONE16) {
      if (optional) return null;
      this.fail(`operand ${operand} (${field}) names no tensor`);
    }
    const entry = this.memory.program.tensors[id];
    if (!entry)
      this.fail(
        `operand ${operand} names tensor ${id}, beyond the table's ${this.memory.program.tensors.length}`,
      );
    const data = this.memory.data[id]!;
    if (!seesTokenRow(entry, this.info))
      return {
        operand,
        id,
        base: 0,
        name: entry.name,
        dtype: entry.dtype,
        shape: entry.shape,
        elements: tensorElementCount(entry),
        data,
      };
    // A token-axis tensor: this instruction's token row.
    const row = tokenRowElements(entry);
    const base = this.inst.token * row;
    if (this.inst.token >= entry.shape[0]!)
      this.fail(`token ${this.inst.token} is beyond ${entry.name}'s ${entry.shape[0]} token rows`);
    return {
      operand,
      id,
      base,
      name: entry.name,
      dtype: entry.dtype,
      shape: entry.shape.slice(1),
      elements: row,
      data: data.subarray(base, base + row) as TensorData,
    };
  }

  /** Like `tensor`, but the operand must hold floats (f32, bf16, f16). */
  float(operand: string, optional: true): FloatOperandView | null;
  float(operand: string, optional?: false): FloatOperandView;
  float(operand: string, optional = false): FloatOperandView | null {
    const t = optional ? this.tensor(operand, true) : this.tensor(operand);
    if (t && !isFloatDtype(t.dtype as 'f32'))
      this.fail(`operand ${operand} is ${t.dtype}; a float dtype is needed`);
    return t as FloatOperandView | null;
  }

  /** A dimension of an operand's shape; fails when the shape has fewer dims. */
  dim(t: TensorOperandView, axis: number, rank?: number): number {
    if (rank !== undefined && t.shape.length !== rank)
      this.fail(`${t.operand} must have rank ${rank}, has [${t.shape.join(', ')}]`);
    const d = t.shape[axis];
    if (d === undefined) this.fail(`${t.operand} [${t.shape.join(', ')}] has no dimension ${axis}`);
    return d;
  }

  /** Strict mode: elements [start, start + count) must lie inside the tensor. */
  check(t: TensorOperandView, start: number, count: number, access: 'read' | 'write'): void {
    if (!this.strict || count <= 0) return;
    this.recorded.push({ tensor: t.id, access, start: t.base + start, count });
    if (start < 0 || start + count > t.elements || !Number.isInteger(start) || !Number.isInteger(count)) {
      throw new VmBoundsError(
        this.site,
        { id: t.id, name: t.name, elements: t.elements },
        t.operand,
        access,
        [start, start + count],
      );
    }
  }

  /** After writing [start, start + count) of a float tensor: round to its dtype, as the GPU's store does. */
  stored(t: FloatOperandView, start: number, count: number): void {
    roundArrayToDtype(t.data, t.dtype as 'f32', Math.max(0, start), Math.min(t.data.length, start + count));
  }
}
