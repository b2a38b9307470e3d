/**
 * The opcode table: every opcode of the seed ISA plus the ones our VMs need, as data. Each opcode's
 * descriptor (ops/<op>.ts) says what every instruction field means for it. Fields an opcode does
 * not name must be zero (tensor slots: 0xFFFF); strict validation enforces it.
 *
 * Meaning of an opcode value:
 *   - `executable`: both VMs run it exactly as `summary` says;
 *   - `reserved`: a seed opcode kept for its number, with the reason it is not executable; a VM that
 *     meets one stops with an error, and validation (strict and release) rejects it;
 *   - any value not in the table: treated exactly like a reserved one.
 *
 * Shared run-time state every op may read: `pos` (the position of the token being decoded, always
 * below the program's maxSeqLen) and `epoch` (decode steps since the counters were zeroed).
 * Dimensions come from the tensor table's shapes, never from the instruction, so a tile cannot
 * disagree with the tensor it reads. All arithmetic is fp32; a store rounds to the destination
 * tensor's dtype (round to nearest even).
 */
import type { OpcodeInfo } from './op-descriptor.js';
import { OP_DESCRIPTORS } from './ops/index.js';

export * from './flags.js';
export type {
  ArgOperand,
  FlagBit,
  FloatOperand,
  OpcodeCategory,
  OpcodeInfo,
  OperandRole,
  TensorOperand,
} from './op-descriptor.js';
export { hasLoaderRead } from './op-descriptor.js';
export { CANDIDATES_PER_LIST, SAMPLING_WORDS } from './ops/shared.js';

type Descriptor = (typeof OP_DESCRIPTORS)[number];
export type OpcodeName = Descriptor['name'];
/** The descriptor of opcode N, with its operand names as literal types. */
export type OpcodeDescriptor<N extends OpcodeName> = Extract<Descriptor, { readonly name: N }>;
/** The operand names (tensors, arguments, floats) of opcode N. */
export type OperandName<N extends OpcodeName> =
  | OpcodeDescriptor<N>['tensors'][number]['name']
  | OpcodeDescriptor<N>['args'][number]['name']
  | OpcodeDescriptor<N>['floats'][number]['name'];
/** The flag names of opcode N. */
export type FlagName<N extends OpcodeName> = OpcodeDescriptor<N>['flags'][number]['name'];

/** Every opcode with a defined meaning, in value order. Values not listed are rejected like reserved ones. */
export const OPCODES: readonly OpcodeInfo[] = [...(OP_DESCRIPTORS as readonly OpcodeInfo[])].sort(
  (a, b) => a.value - b.value,
);

const byValue = new Map(OPCODES.map((o) => [o.value, o]));
const byName = new Map(OPCODES.map((o) => [o.name, o]));

export function opcodeInfo(value: number): OpcodeInfo | undefined {
  return byValue.get(value);
}
export function opcodeByName(name: string): OpcodeInfo | undefined {
  return byName.get(name);
}
/** Opcode values by name, for code that builds instructions. */
export const Op = Object.freeze(Object.fromEntries(OPCODES.map((o) => [o.name, o.value]))) as {
  readonly [K in OpcodeName]: number;
};

/** True when a VM executes the opcode; reserved and unlisted values are rejected. */
export function isExecutableOpcode(value: number): boolean {
  return byValue.get(value)?.status === 'executable';
}
