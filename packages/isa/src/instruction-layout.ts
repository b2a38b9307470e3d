/**
 * The 64-byte instruction: every field, its byte offset and width. Encoder, decoder, text form,
 * validation and the generated C++ struct are all derived from this one table.
 */

export type FieldType = 'u8' | 'u16' | 'u32' | 'f32';

export interface FieldSpec {
  readonly name: InstructionField;
  readonly offset: number;
  readonly type: FieldType;
  readonly doc: string;
}

export const INSTRUCTION_BYTES = 64;
/** "No counter" / "no tensor" / "no layer" sentinel for u16 id fields. */
export const NONE16 = 0xffff;
export const TENSOR_SLOTS = 8;

export type TensorSlotField = 't0' | 't1' | 't2' | 't3' | 't4' | 't5' | 't6' | 't7';
export type ArgField = 'a0' | 'a1' | 'a2' | 'a3' | 'b0' | 'b1';
export type FloatField = 'f0' | 'f1';
export type InstructionField =
  | 'opcode'
  | 'flags'
  | 'layer'
  | 'wait0Counter'
  | 'wait1Counter'
  | 'wait0Target'
  | 'wait1Target'
  | 'signalCounter'
  | 'syncFlags'
  | 'token'
  | TensorSlotField
  | ArgField
  | FloatField;

export const INSTRUCTION_FIELDS: readonly FieldSpec[] = [
  { name: 'opcode', offset: 0, type: 'u8', doc: 'operation, see the opcode table' },
  { name: 'flags', offset: 1, type: 'u8', doc: "per-opcode flag bits (each opcode's schema names them)" },
  {
    name: 'layer',
    offset: 2,
    type: 'u16',
    doc: 'transformer layer, 0xFFFF when the instruction belongs to none',
  },
  { name: 'wait0Counter', offset: 4, type: 'u16', doc: 'first dependency counter, 0xFFFF for none' },
  { name: 'wait1Counter', offset: 6, type: 'u16', doc: 'second dependency counter, 0xFFFF for none' },
  { name: 'wait0Target', offset: 8, type: 'u32', doc: 'per-step count wait0Counter must reach' },
  { name: 'wait1Target', offset: 12, type: 'u32', doc: 'per-step count wait1Counter must reach' },
  {
    name: 'signalCounter',
    offset: 16,
    type: 'u16',
    doc: 'counter incremented by 1 when done, 0xFFFF for none',
  },
  {
    name: 'syncFlags',
    offset: 18,
    type: 'u8',
    doc: 'bit 0: wait0 refers to the previous step; bit 1: wait1 likewise',
  },
  {
    name: 'token',
    offset: 19,
    type: 'u8',
    doc: 'prefill: the step token worked on (position pos + token, token-axis operands at that row); 0 in decode',
  },
  { name: 't0', offset: 20, type: 'u16', doc: 'tensor slot 0 (tensor-table id, 0xFFFF for none)' },
  { name: 't1', offset: 22, type: 'u16', doc: 'tensor slot 1' },
  { name: 't2', offset: 24, type: 'u16', doc: 'tensor slot 2' },
  { name: 't3', offset: 26, type: 'u16', doc: 'tensor slot 3' },
  { name: 't4', offset: 28, type: 'u16', doc: 'tensor slot 4' },
  { name: 't5', offset: 30, type: 'u16', doc: 'tensor slot 5' },
  { name: 't6', offset: 32, type: 'u16', doc: 'tensor slot 6' },
  { name: 't7', offset: 34, type: 'u16', doc: 'tensor slot 7' },
  { name: 'b0', offset: 36, type: 'u16', doc: 'small argument 0' },
  { name: 'b1', offset: 38, type: 'u16', doc: 'small argument 1' },
  { name: 'a0', offset: 40, type: 'u32', doc: 'argument 0' },
  { name: 'a1', offset: 44, type: 'u32', doc: 'argument 1' },
  { name: 'a2', offset: 48, type: 'u32', doc: 'argument 2' },
  { name: 'a3', offset: 52, type: 'u32', doc: 'argument 3' },
  { name: 'f0', offset: 56, type: 'f32', doc: 'float argument 0' },
  { name: 'f1', offset: 60, type: 'f32', doc: 'float argument 1' },
];

export const TENSOR_SLOT_FIELDS: readonly TensorSlotField[] = [
  't0',
  't1',
  't2',
  't3',
  't4',
  't5',
  't6',
  't7',
];

/** A decoded instruction: one number per field. */
export type Instruction = { [K in InstructionField]: number };

export const SYNC_WAIT0_PREVIOUS_STEP = 0x01;
export const SYNC_WAIT1_PREVIOUS_STEP = 0x02;
