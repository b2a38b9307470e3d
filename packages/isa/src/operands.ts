/**
 * Named operands: the bridge between an opcode's schema (x, W, rowStart, eps, ...) and the raw
 * instruction fields (t0, t1, a0, f0, ...). Builders, the text form and the VMs all go through it,
 * so an operand can never be read from a field other than the one the table assigns.
 */
import { emptyInstruction } from './encode.js';
import { FieldRangeError } from './errors.js';
import {
  type Instruction,
  type InstructionField,
  NONE16,
  SYNC_WAIT0_PREVIOUS_STEP,
  SYNC_WAIT1_PREVIOUS_STEP,
} from './instruction-layout.js';
import type { ActivationKind } from './model-config.js';
import {
  ACTIVATION_CODES,
  ACTIVATION_SHIFT,
  FLAG_ACTIVATION_MASK,
  type FlagName,
  type OpcodeInfo,
  type OpcodeName,
  type OperandName,
  opcodeByName,
} from './opcodes.js';

/** A dependency: wait until `counter` reaches target·(epoch+1), or target·epoch with previousStep. */
export interface Wait {
  readonly counter: number;
  readonly target: number;
  readonly previousStep?: boolean;
}

/** The generic fields every instruction carries. */
export interface SyncFields {
  readonly wait0?: Wait;
  readonly wait1?: Wait;
  readonly signal?: number;
  readonly layer?: number;
}

/** Operand values by schema name; `flags` lists flag names, `activation` sets the multi-bit field. */
export interface OperandValues {
  readonly [name: string]: number | string | readonly string[] | undefined;
  readonly flags?: readonly string[];
  readonly activation?: ActivationKind;
}

/**
 * The operands of opcode N by name, typed from its descriptor: a misspelt operand or flag is a
 * compile error in every lowering (and still a FieldRangeError at run time for untyped callers).
 */
export type OperandsOf<N extends OpcodeName> = { readonly [K in OperandName<N>]?: number } & {
  readonly flags?: readonly FlagName<N>[];
  readonly activation?: ActivationKind;
};

const fieldMaps = new WeakMap<OpcodeInfo, ReadonlyMap<string, InstructionField>>();
function fieldMap(info: OpcodeInfo): ReadonlyMap<string, InstructionField> {
  let m = fieldMaps.get(info);
  if (!m) {
    m = new Map<string, InstructionField>([
      ...info.tensors.map((t) => [t.name, t.slot] as const),
      ...info.args.map((a) => [a.name, a.field] as const),
      ...info.floats.map((f) => [f.name, f.field] as const),
    ]);
    fieldMaps.set(info, m);
  }
  return m;
}

/** Schema field of an operand name, or undefined when the opcode has no such operand. */
export function operandField(info: OpcodeInfo, name: string): InstructionField | undefined {
  return fieldMap(info).get(name);
}

export function applySync(inst: Instruction, sync: SyncFields): Instruction {
  if (sync.layer !== undefined) inst.layer = sync.layer;
  if (sync.signal !== undefined) inst.signalCounter = sync.signal;
  if (sync.wait0) {
    inst.wait0Counter = sync.wait0.counter;
    inst.wait0Target = sync.wait0.target;
    if (sync.wait0.previousStep) inst.syncFlags |= SYNC_WAIT0_PREVIOUS_STEP;
  }
  if (sync.wait1) {
    inst.wait1Counter = sync.wait1.counter;
    inst.wait1Target = sync.wait1.target;
    if (sync.wait1.previousStep) inst.syncFlags |= SYNC_WAIT1_PREVIOUS_STEP;
  }
  return inst;
}

/**
 * Builds an instruction from named operands, e.g.
 * `instructionFor('MATVEC', { x: 4, W: 9, y: 5, rowStart: 0, rowCount: 16 }, { wait0: { counter: 3, target: 1 } })`.
 * Unnamed tensors stay 0xFFFF and unnamed arguments 0. Throws FieldRangeError for an unknown opcode,
 * operand or flag name (values are range-checked when encoded).
 */
export function instructionFor<N extends OpcodeName>(
  name: N,
  operands: OperandsOf<N>,
  sync: SyncFields = {},
): Instruction {
  return instructionFromOperands(name, operands as OperandValues, sync);
}

/** `instructionFor` for callers whose opcode and operand names are data (text programs, tests). */
export function instructionFromOperands(
  name: string,
  operands: OperandValues,
  sync: SyncFields = {},
): Instruction {
  const info = opcodeByName(name);
  if (!info) throw new FieldRangeError('opcode', name, 'an opcode name');
  const inst = emptyInstruction(info.value);
  const fields = fieldMap(info);
  for (const key in operands) {
    const value = operands[key];
    if (key === 'flags' || key === 'activation' || value === undefined) continue;
    const field = fields.get(key);
    if (!field) throw new FieldRangeError(key, value, `an operand of ${name}`);
    if (typeof value !== 'number') throw new FieldRangeError(key, value, 'a number');
    inst[field] = value;
  }
  for (const flag of operands.flags ?? []) {
    const bit = info.flags.find((b) => b.name === flag && b.mask !== FLAG_ACTIVATION_MASK);
    if (!bit) throw new FieldRangeError('flags', flag, `a flag of ${name}`);
    inst.flags |= bit.mask;
  }
  if (operands.activation !== undefined) {
    const code = ACTIVATION_CODES[operands.activation];
    if (code === undefined || !info.flags.some((b) => b.mask === FLAG_ACTIVATION_MASK)) {
      throw new FieldRangeError('activation', operands.activation, `an activation of ${name}`);
    }
    inst.flags |= code << ACTIVATION_SHIFT;
  }
  return applySync(inst, sync);
}

/** The named operands of an instruction per its opcode's schema (absent tensors omitted). */
export function readOperands(inst: Instruction, info: OpcodeInfo): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of info.tensors) if (inst[t.slot] !== NONE16) out[t.name] = inst[t.slot];
  for (const a of info.args) out[a.name] = inst[a.field];
  for (const f of info.floats) out[f.name] = inst[f.field];
  return out;
}
