/**
 * Writes the C++ header the CUDA megakernel includes (`packages/cuda-hopper/csrc/generated/isa.h`).
 * Everything in it is derived from the TypeScript tables, so the two sides cannot drift; a test fails
 * when the committed header differs from this output, another compiles it with g++ and decodes bytes
 * written by the TypeScript encoder. Output is deterministic (no dates, table order only).
 */
import { COUNTER_TARGET_LIMIT } from './counters.js';
import { executableOpcodeList, operandAccessors, weightStreamTable } from './cpp-operands.js';
import {
  INSTRUCTION_BYTES,
  INSTRUCTION_FIELDS,
  NONE16,
  SYNC_WAIT0_PREVIOUS_STEP,
  SYNC_WAIT1_PREVIOUS_STEP,
  TENSOR_SLOT_FIELDS,
} from './instruction-layout.js';
import {
  ACTIVATION_CODES,
  ACTIVATION_SHIFT,
  FLAG_ACCUMULATE,
  FLAG_ACTIVATION_MASK,
  FLAG_ATTN_DIRECT,
  FLAG_EMBED_FROM_ARGMAX,
  FLAG_GATED,
  FLAG_NORM_LAYER,
  FLAG_NORM_NO_WEIGHT,
  FLAG_SPLIT_K,
  OPCODES,
} from './opcodes.js';
import { PROGRAM_FORMAT_VERSION } from './program-format.js';
import { DTYPE_BYTES, type TensorDtype } from './program-types.js';
import {
  DTYPE_CODES,
  REGION_CODES,
  TENSOR_DESC_BYTES,
  TENSOR_DESC_FIELDS,
  TENSOR_FLAG_TOKEN_AXIS,
} from './tensor-table.js';

const C_TYPES = { u8: 'uint8_t', u16: 'uint16_t', u32: 'uint32_t', f32: 'float' } as const;

const hex = (v: number, digits: number): string => `0x${v.toString(16).toUpperCase().padStart(digits, '0')}`;
const constName = (s: string): string =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
/** C++ comments must not contain a line break or a stray end-of-comment. */
const comment = (s: string): string => s.replace(/\s+/g, ' ').replace(/\*\//g, '* /');

const FLAG_CONSTANTS: readonly [string, number, string][] = [
  ['FLAG_NORM_LAYER', FLAG_NORM_LAYER, 'fused-norm ops: LayerNorm instead of RMSNorm'],
  ['FLAG_NORM_NO_WEIGHT', FLAG_NORM_NO_WEIGHT, 'norm ops: no gamma/beta (normParams absent)'],
  ['FLAG_GATED', FLAG_GATED, 'FUSED_NORM_GATE_UP_ACT: act(gate) * up'],
  [
    'FLAG_ACTIVATION_MASK',
    FLAG_ACTIVATION_MASK,
    'FUSED_NORM_GATE_UP_ACT: activation code << ACTIVATION_SHIFT',
  ],
  ['FLAG_ACCUMULATE', FLAG_ACCUMULATE, 'MATVEC: y += W x'],
  [
    'FLAG_SPLIT_K',
    FLAG_SPLIT_K,
    'FUSED_MATMUL_RESIDUAL: other instructions add into the same rows (atomics)',
  ],
  ['FLAG_ATTN_DIRECT', FLAG_ATTN_DIRECT, 'ATTENTION_PARTIAL: single chunk, write the final output'],
  ['FLAG_EMBED_FROM_ARGMAX', FLAG_EMBED_FROM_ARGMAX, 'EMBED_GATHER: negative token = previous argmax'],
];

function constants(): string[] {
  const L: string[] = [];
  L.push(`constexpr uint32_t PROGRAM_FORMAT_VERSION = ${PROGRAM_FORMAT_VERSION};`);
  L.push(`constexpr uint32_t INSTRUCTION_BYTES = ${INSTRUCTION_BYTES};`);
  L.push(`constexpr uint32_t TENSOR_DESC_BYTES = ${TENSOR_DESC_BYTES};`);
  L.push(`constexpr uint16_t NONE16 = ${hex(NONE16, 4)};  // no counter / no tensor / no layer`);
  L.push(
    `constexpr uint32_t COUNTER_TARGET_LIMIT = ${hex(COUNTER_TARGET_LIMIT, 8)}u;  // targets are below 2^31`,
  );
  L.push('');
  L.push('// Opcodes. Reserved ones (and every unlisted value) are rejected by both VMs.');
  for (const o of OPCODES) {
    const tag = o.status === 'reserved' ? `reserved: ${o.summary}` : `${o.category}`;
    L.push(`constexpr uint8_t OP_${o.name} = ${hex(o.value, 2)};  // ${comment(tag)}`);
  }
  L.push('');
  L.push('// Flag bits: one meaning per opcode family (see the operand comments below).');
  for (const [name, v, doc] of FLAG_CONSTANTS) L.push(`constexpr uint8_t ${name} = ${hex(v, 2)};  // ${doc}`);
  L.push(`constexpr uint8_t ACTIVATION_SHIFT = ${ACTIVATION_SHIFT};`);
  for (const [name, v] of Object.entries(ACTIVATION_CODES)) {
    L.push(`constexpr uint8_t ACT_${constName(name)} = ${v};`);
  }
  L.push('');
  L.push('// syncFlags bits.');
  L.push(`constexpr uint8_t SYNC_WAIT0_PREVIOUS_STEP = ${hex(SYNC_WAIT0_PREVIOUS_STEP, 2)};`);
  L.push(`constexpr uint8_t SYNC_WAIT1_PREVIOUS_STEP = ${hex(SYNC_WAIT1_PREVIOUS_STEP, 2)};`);
  L.push('');
  L.push('// Tensor descriptor codes.');
  for (const [name, v] of Object.entries(DTYPE_CODES))
    L.push(`constexpr uint8_t DTYPE_${constName(name)} = ${v};`);
  for (const [name, v] of Object.entries(REGION_CODES))
    L.push(`constexpr uint8_t REGION_${constName(name)} = ${v};`);
  L.push(`constexpr uint8_t TENSOR_FLAG_TOKEN_AXIS = ${hex(TENSOR_FLAG_TOKEN_AXIS, 2)};`);
  return L;
}

function operandComments(): string[] {
  const L: string[] = [
    '// Operands of each executable opcode (fields not listed are zero; tensor slots 0xFFFF).',
  ];
  for (const o of OPCODES) {
    if (o.status !== 'executable') continue;
    L.push(`// ${o.name} (${hex(o.value, 2)}): ${comment(o.summary)}`);
    for (const t of o.tensors)
      L.push(`//   ${t.slot} ${t.name}${t.optional ? ' (optional)' : ''}: ${comment(t.doc)}`);
    for (const a of o.args) L.push(`//   ${a.field} ${a.name}: ${comment(a.doc)}`);
    for (const f of o.floats) L.push(`//   ${f.field} ${f.name}: ${comment(f.doc)}`);
    for (const b of o.flags) L.push(`//   flags ${hex(b.mask, 2)} ${b.name}: ${comment(b.doc)}`);
  }
  return L;
}

function instructionStruct(): string[] {
  const L: string[] = ['struct alignas(16) Instruction {'];
  for (const f of INSTRUCTION_FIELDS) {
    L.push(`  ${C_TYPES[f.type]} ${f.name};  // @${f.offset}: ${comment(f.doc)}`);
  }
  L.push('};');
  L.push(
    `static_assert(sizeof(Instruction) == ${INSTRUCTION_BYTES}, "Instruction must be ${INSTRUCTION_BYTES} bytes");`,
  );
  L.push('static_assert(alignof(Instruction) == 16, "Instruction must be 16-byte aligned");');
  L.push(
    'static_assert(std::is_standard_layout<Instruction>::value, "Instruction must be standard layout");',
  );
  for (const f of INSTRUCTION_FIELDS) {
    L.push(
      `static_assert(offsetof(Instruction, ${f.name}) == ${f.offset}, "Instruction::${f.name} offset");`,
    );
  }
  return L;
}

function tensorDescStruct(): string[] {
  const L: string[] = ['struct alignas(16) TensorDesc {'];
  for (const f of TENSOR_DESC_FIELDS) {
    const arr = /^(.*)\[(\d+)\]$/.exec(f.cType);
    const decl = arr ? `${arr[1]} ${f.name}[${arr[2]}]` : `${f.cType} ${f.name}`;
    L.push(`  ${decl};  // @${f.offset}: ${comment(f.doc)}`);
  }
  L.push('};');
  L.push(
    `static_assert(sizeof(TensorDesc) == ${TENSOR_DESC_BYTES}, "TensorDesc must be ${TENSOR_DESC_BYTES} bytes");`,
  );
  L.push('static_assert(std::is_standard_layout<TensorDesc>::value, "TensorDesc must be standard layout");');
  for (const f of TENSOR_DESC_FIELDS) {
    L.push(`static_assert(offsetof(TensorDesc, ${f.name}) == ${f.offset}, "TensorDesc::${f.name} offset");`);
  }
  return L;
}

function helpers(): string[] {
  const L: string[] = [];
  L.push('// Bytes are little-endian and the structs have no padding, so decoding is a copy.');
  L.push('MK_HD Instruction load_instruction(const void* bytes) {');
  L.push('  Instruction inst;');
  L.push('  memcpy(&inst, bytes, sizeof(Instruction));');
  L.push('  return inst;');
  L.push('}');
  L.push('MK_HD TensorDesc load_tensor_desc(const void* bytes) {');
  L.push('  TensorDesc desc;');
  L.push('  memcpy(&desc, bytes, sizeof(TensorDesc));');
  L.push('  return desc;');
  L.push('}');
  L.push('');
  L.push('MK_HD uint16_t tensor_slot(const Instruction& inst, int slot) {');
  L.push('  switch (slot) {');
  TENSOR_SLOT_FIELDS.forEach((s, i) => {
    L.push(`    case ${i}: return inst.${s};`);
  });
  L.push('    default: return NONE16;');
  L.push('  }');
  L.push('}');
  L.push('MK_HD bool has_id(uint16_t id) { return id != NONE16; }');
  L.push(
    'MK_HD uint8_t activation_code(uint8_t flags) { return (flags & FLAG_ACTIVATION_MASK) >> ACTIVATION_SHIFT; }',
  );
  L.push('');
  L.push('// A wait is satisfied when counter - target * steps >= 0 modulo 2^32 (counters never reset).');
  L.push('MK_HD uint32_t wait_threshold(uint32_t target, uint32_t epoch, bool previous_step) {');
  L.push('  return target * (previous_step ? epoch : epoch + 1u);');
  L.push('}');
  L.push('MK_HD bool counter_reached(uint32_t value, uint32_t threshold) {');
  L.push('  return static_cast<int32_t>(value - threshold) >= 0;');
  L.push('}');
  L.push('MK_HD uint32_t wait0_threshold(const Instruction& inst, uint32_t epoch) {');
  L.push(
    '  return wait_threshold(inst.wait0Target, epoch, (inst.syncFlags & SYNC_WAIT0_PREVIOUS_STEP) != 0);',
  );
  L.push('}');
  L.push('MK_HD uint32_t wait1_threshold(const Instruction& inst, uint32_t epoch) {');
  L.push(
    '  return wait_threshold(inst.wait1Target, epoch, (inst.syncFlags & SYNC_WAIT1_PREVIOUS_STEP) != 0);',
  );
  L.push('}');
  L.push('');
  L.push('MK_HD bool is_executable_opcode(uint8_t op) {');
  L.push('  switch (op) {');
  for (const o of OPCODES) if (o.status === 'executable') L.push(`    case OP_${o.name}:`);
  L.push('      return true;');
  L.push('    default:');
  L.push('      return false;');
  L.push('  }');
  L.push('}');
  L.push('// Ops that take a token range and see token-axis operands whole (token-axis.ts); every other op');
  L.push('// of a prefill step sees such an operand as its token row.');
  L.push('MK_HD bool is_token_range_opcode(uint8_t op) {');
  const ranged = OPCODES.filter((o) => o.tokenRange === true);
  if (ranged.length === 0) L.push('  (void)op;', '  return false;');
  else L.push(`  return ${ranged.map((o) => `op == OP_${o.name}`).join(' || ')};`);
  L.push('}');
  L.push('MK_HD const char* opcode_name(uint8_t op) {');
  L.push('  switch (op) {');
  for (const o of OPCODES) L.push(`    case OP_${o.name}: return "${o.name}";`);
  L.push('    default: return "?";');
  L.push('  }');
  L.push('}');
  L.push('');
  L.push('MK_HD uint32_t dtype_bytes(uint8_t dtype) {');
  L.push('  switch (dtype) {');
  for (const name of Object.keys(DTYPE_CODES)) {
    L.push(`    case DTYPE_${constName(name)}: return ${DTYPE_BYTES[name as TensorDtype]};`);
  }
  L.push('    default: return 0;');
  L.push('  }');
  L.push('}');
  L.push('MK_HD uint64_t tensor_elements(const TensorDesc& d) {');
  L.push('  return uint64_t(d.shape[0]) * d.shape[1] * d.shape[2] * d.shape[3];');
  L.push('}');
  L.push(
    'MK_HD uint64_t tensor_bytes(const TensorDesc& d) { return tensor_elements(d) * dtype_bytes(d.dtype); }',
  );
  return L;
}

export const CPP_HEADER_PATH = 'packages/cuda-hopper/csrc/generated/isa.h';

export function generateCppHeader(): string {
  const L: string[] = [
    '// GENERATED by @megakernel/isa generateCppHeader(); do not edit.',
    '// Regenerate: pnpm --filter @megakernel/isa gen:header',
    '// The megakernel ISA for C++/CUDA: opcodes, flags, the 64-byte Instruction and the 32-byte TensorDesc.',
    '// Per executable opcode: its named-operand accessors (FooBarOps), its weight streams',
    '// (MK_WEIGHT_STREAMS) and its entry in MK_EXECUTABLE_OPCODES, all from the opcode table (cpp-operands.ts).',
    '#pragma once',
    '',
    '#include <cstddef>',
    '#include <cstdint>',
    '#include <cstring>',
    '#include <type_traits>',
    '',
    '#ifdef __CUDACC__',
    '#define MK_HD __host__ __device__ __forceinline__',
    '#else',
    '#define MK_HD inline',
    '#endif',
    '',
    'namespace mk {',
    '',
    ...constants(),
    '',
    ...operandComments(),
    '',
    ...instructionStruct(),
    '',
    ...tensorDescStruct(),
    '',
    ...helpers(),
    '',
    ...operandAccessors(),
    '',
    ...weightStreamTable(),
    '',
    ...executableOpcodeList(),
    '',
    '}  // namespace mk',
    '',
  ];
  return L.join('\n');
}
