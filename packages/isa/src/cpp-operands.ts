/**
 * The per-opcode part of the generated C++ header: named-operand accessors, the weight-stream table
 * and the list of executable opcodes, all derived from OPCODES so that a kernel never spells a slot
 * number, an argument field or a flag mask by hand (issue 14). `generateCppHeader()` includes it.
 */
import { INSTRUCTION_FIELDS } from './instruction-layout.js';
import { OPCODES, type OpcodeInfo } from './opcodes.js';

type TensorOperand = OpcodeInfo['tensors'][number];

const C_TYPES = { u8: 'uint8_t', u16: 'uint16_t', u32: 'uint32_t', f32: 'float' } as const;
const FIELD_TYPE = new Map(INSTRUCTION_FIELDS.map((f) => [f.name as string, C_TYPES[f.type]]));
const hex = (v: number): string => `0x${v.toString(16).toUpperCase().padStart(2, '0')}`;
const comment = (s: string): string => s.replace(/\s+/g, ' ').replace(/\*\//g, '* /');
const slotIndex = (t: TensorOperand): number => Number(t.slot.slice(1));

/** normParams -> norm_params, W -> w, partialO -> partial_o, kvHead -> kv_head. */
const cppSnakeName = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
/** FUSED_NORM_QKV_ROPE -> FusedNormQkvRopeOps. */
const cppOpsStructName = (opcode: string): string =>
  `${opcode.toLowerCase().split('_').map(pascal).join('')}Ops`;
/** normParams -> kSlotNormParams. */
const slotConstName = (s: string): string => `kSlot${pascal(s)}`;
/** layerNorm -> kFlagLayerNorm (the flag's mask). */
const flagConstName = (s: string): string => `kFlag${pascal(s)}`;

// Names an accessor must not take: C++ keywords an operand name could plausibly be, and the members
// every accessor struct has.
const RESERVED = new Set([
  'p',
  'auto',
  'bool',
  'case',
  'char',
  'class',
  'const',
  'default',
  'delete',
  'do',
  'double',
  'else',
  'enum',
  'float',
  'for',
  'if',
  'int',
  'long',
  'new',
  'operator',
  'private',
  'public',
  'register',
  'return',
  'short',
  'signed',
  'sizeof',
  'static',
  'struct',
  'switch',
  'template',
  'this',
  'union',
  'unsigned',
  'void',
  'while',
]);

const executable = (ops: readonly OpcodeInfo[]): OpcodeInfo[] => ops.filter((o) => o.status === 'executable');

function operandStruct(o: OpcodeInfo): string[] {
  const name = cppOpsStructName(o.name);
  const seen = new Set<string>();
  const member = (operand: string): string => {
    const m = cppSnakeName(operand);
    if (!/^[a-z_][a-z0-9_]*$/.test(m) || RESERVED.has(m) || seen.has(m)) {
      throw new Error(
        `${o.name}: operand '${operand}' gives the C++ accessor '${m}', unusable or taken twice`,
      );
    }
    seen.add(m);
    return m;
  };
  const L: string[] = [];
  L.push(`// ${o.name}: ${comment(o.summary)}`);
  L.push('template <class P>');
  L.push(`struct ${name} {`);
  L.push(`  static constexpr uint8_t kOpcode = OP_${o.name};`);
  for (const t of o.tensors)
    L.push(`  static constexpr uint32_t ${slotConstName(t.name)} = ${slotIndex(t)};`);
  for (const b of o.flags) L.push(`  static constexpr uint8_t ${flagConstName(b.name)} = ${hex(b.mask)};`);
  L.push('  const P& p;');
  L.push(`  MK_HD explicit ${name}(const P& plan) : p(plan) {}`);
  for (const t of o.tensors) {
    const doc = `${t.slot} ${t.role}${t.optional ? ', optional' : ''}: ${comment(t.doc)}`;
    L.push(
      `  MK_HD const auto& ${member(t.name)}() const { return p.t[${slotConstName(t.name)}]; }  // ${doc}`,
    );
  }
  for (const a of o.args) {
    const type = FIELD_TYPE.get(a.field);
    if (!type) throw new Error(`${o.name}: argument field ${a.field} is not an instruction field`);
    L.push(`  MK_HD ${type} ${member(a.name)}() const { return p.inst.${a.field}; }  // ${comment(a.doc)}`);
  }
  for (const f of o.floats) {
    L.push(`  MK_HD float ${member(f.name)}() const { return p.inst.${f.field}; }  // ${comment(f.doc)}`);
  }
  for (const b of o.flags) {
    if (!Number.isInteger(b.mask) || b.mask <= 0 || b.mask > 0xff)
      throw new Error(`${o.name}: flag mask ${b.mask}`);
    const shift = 31 - Math.clz32(b.mask & -b.mask);
    const doc = `flags ${hex(b.mask)}: ${comment(b.doc)}`;
    const k = flagConstName(b.name);
    if ((b.mask & (b.mask - 1)) === 0) {
      L.push(`  MK_HD bool ${member(b.name)}() const { return (p.inst.flags & ${k}) != 0; }  // ${doc}`);
    } else {
      L.push(
        `  MK_HD uint8_t ${member(b.name)}() const { return (p.inst.flags & ${k}) >> ${shift}; }  // ${doc}`,
      );
    }
  }
  L.push('};');
  return L;
}

export function operandAccessors(ops: readonly OpcodeInfo[] = OPCODES): string[] {
  const L: string[] = [
    '// Named operands of every executable opcode. For opcode FOO_BAR, FooBarOps<P> wraps a decoded',
    '// instruction P (anything with `inst`, the Instruction, and `t[8]`, the resolved tensor of each',
    '// slot; the megakernel passes its Plan) and names what the opcode table names:',
    '//   tensors:  x(), norm_params(), w() ... return p.t[slot] by const reference;',
    '//   args:     row_start(), k_start() ... return p.inst.aN; floats: eps(), scale() ... p.inst.fN;',
    '//   flags:    layer_norm(), gated() ... a bool for a one-bit flag; a wider field (activation())',
    '//             returns its value, masked and shifted down;',
    '//   kSlotX, kSlotNormParams ...: the slot of each tensor operand (the detail a kernel reports);',
    '//   kFlagLayerNorm ...: the mask of each flag;',
    '//   kOpcode:  the opcode value.',
    '// Accessor names are the snake_case of the table names (normParams -> norm_params, W -> w).',
    '// Use: `const FusedNormQkvRopeOps op(p);` (the template argument is deduced). Every member is',
    '// forceinline and returns a reference or a plain field, so the code is what reading p.t[n] and',
    '// p.inst.aN by hand gives.',
  ];
  for (const o of executable(ops)) {
    L.push('');
    L.push(...operandStruct(o));
  }
  return L;
}

// The X-macro below has two slot positions; plan.cuh and the accumulators handle two matrices.
const MAX_WEIGHT_STREAMS = 2;

/** The weight-stream entry of one opcode, checked against the conventions plan_weight_streams relies on. */
function streamsOf(o: OpcodeInfo): { streams: TensorOperand[]; input: number; kRange: boolean } {
  const streams = o.tensors.filter((t) => t.role === 'stream');
  const arg = (field: string) => o.args.find((a) => a.field === field)?.name;
  const kRange = o.args.some((a) => a.name === 'kStart' || a.name === 'kCount');
  if (streams.length === 0) return { streams, input: 0, kRange };
  const fail = (why: string): never => {
    throw new Error(`${o.name} streams weights but ${why} (plan_weight_streams relies on it)`);
  };
  if (streams.length > MAX_WEIGHT_STREAMS) fail(`has more than ${MAX_WEIGHT_STREAMS} stream operands`);
  if (streams.every((t) => t.optional)) fail('has no required stream operand');
  const x = o.tensors.find((t) => t.name === 'x');
  if (!x || x.role !== 'read') fail("has no 'read' input vector named x");
  if (arg('a0') !== 'rowStart' || arg('a1') !== 'rowCount')
    fail('its tile rows are not rowStart = a0, rowCount = a1');
  if (kRange && (arg('a2') !== 'kStart' || arg('a3') !== 'kCount'))
    fail('its K range is not kStart = a2, kCount = a3');
  return { streams, input: x ? slotIndex(x) : 0, kRange };
}

export function weightStreamTable(ops: readonly OpcodeInfo[] = OPCODES): string[] {
  const L: string[] = [
    "// Weight streams (plan_weight_streams): per opcode, its 'stream'-role tensor operands in table",
    '// order. An optional one is streamed exactly when its slot holds a tensor (FUSED_NORM_GATE_UP_ACT:',
    '// Wgate, present exactly when gated). Every streaming opcode has its input vector x, its tile',
    '// rows rowStart = a0 and rowCount = a1 and, with K_RANGE, its input columns kStart = a2 and',
    '// kCount = a3 (0: through the end); the generator refuses a table that breaks this.',
    '// MK_WEIGHT_STREAMS(X) expands, per streaming opcode in value order,',
    '//   X(NAME, COUNT, SLOT0, OPTIONAL0, SLOT1, OPTIONAL1, INPUT, K_RANGE)',
    '// with COUNT stream operands (at most MAX_WEIGHT_STREAMS; an unused SLOT1 is 0 and never read),',
    '// INPUT the slot of x. An X-macro rather than a function returning a table row: each case then',
    '// compiles to constants, as a hand-written switch does.',
    `constexpr int MAX_WEIGHT_STREAMS = ${MAX_WEIGHT_STREAMS};`,
    '#define MK_WEIGHT_STREAMS(X) \\',
  ];
  const rows: string[] = [];
  for (const o of executable(ops)) {
    const { streams, input, kRange } = streamsOf(o);
    if (!streams.length) continue;
    const [s0, s1] = streams;
    const slot = (t: TensorOperand | undefined) => (t ? String(slotIndex(t)) : '0');
    const optional = (t: TensorOperand | undefined) => String(Boolean(t?.optional));
    rows.push(
      `  X(${o.name}, ${streams.length}, ${slot(s0)}, ${optional(s0)}, ${slot(s1)}, ${optional(s1)}, ${input}, ${kRange})`,
    );
  }
  rows.forEach((r, i) => {
    L.push(`${r}${i + 1 < rows.length ? ' \\' : ''}`);
  });
  return L;
}

export function executableOpcodeList(ops: readonly OpcodeInfo[] = OPCODES): string[] {
  const L: string[] = [
    '// Every executable opcode, for compile-time checks: MK_EXECUTABLE_OPCODES(X) expands X(NAME, Ops)',
    '// once per opcode, NAME without its OP_ prefix and Ops its accessor template. megakernel.cu',
    '// static_asserts with it that dispatch() has a case for each executable opcode and no other.',
    '#define MK_EXECUTABLE_OPCODES(X) \\',
  ];
  const list = executable(ops);
  list.forEach((o, i) => {
    L.push(`  X(${o.name}, ${cppOpsStructName(o.name)})${i + 1 < list.length ? ' \\' : ''}`);
  });
  return L;
}
