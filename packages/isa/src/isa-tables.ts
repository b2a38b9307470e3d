/**
 * The generated part of ISA.md: the opcode table (with every operand) and the field tables, written
 * from the same tables the encoder uses. A test fails when ISA.md between the markers differs.
 */
import { INSTRUCTION_FIELDS } from './instruction-layout.js';
import { OPCODES } from './opcodes.js';
import { TENSOR_DESC_FIELDS } from './tensor-table.js';

export const ISA_TABLES_BEGIN = '<!-- generated:begin -->';
export const ISA_TABLES_END = '<!-- generated:end -->';

const WIDTH = { u8: 1, u16: 2, u32: 4, f32: 4 } as const;
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
const hex = (v: number): string => `0x${v.toString(16).toUpperCase().padStart(2, '0')}`;

function fieldTable(): string[] {
  const L = [
    '### Instruction fields (64 bytes, little-endian)',
    '',
    '| offset | bytes | field | type | meaning |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const f of INSTRUCTION_FIELDS) {
    L.push(`| ${f.offset} | ${WIDTH[f.type]} | \`${f.name}\` | ${f.type} | ${cell(f.doc)} |`);
  }
  return L;
}

function tensorDescTable(): string[] {
  const L = [
    '### Tensor descriptor (32 bytes per tensor id, GPU tensor table)',
    '',
    '| offset | field | type | meaning |',
    '| --- | --- | --- | --- |',
  ];
  for (const f of TENSOR_DESC_FIELDS) L.push(`| ${f.offset} | \`${f.name}\` | ${f.cType} | ${cell(f.doc)} |`);
  return L;
}

function opcodeTable(): string[] {
  const L = [
    '### Opcodes',
    '',
    '| value | name | category | status | meaning |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const o of OPCODES) {
    L.push(`| ${hex(o.value)} | \`${o.name}\` | ${o.category} | ${o.status} | ${cell(o.summary)} |`);
  }
  L.push('', 'Every value not listed is invalid and treated like a reserved opcode.');
  return L;
}

function operandTables(): string[] {
  const L = ['### Operands of each executable opcode', ''];
  L.push(
    'Fields not listed must be 0 (tensor slots 0xFFFF). `?` marks an optional tensor. Roles: `read`, `stream` (a weight matrix the GPU loader streams; an optional one when present), `write`, `update` (read and written: in place, accumulated or an atomic fold).',
    '',
  );
  for (const o of OPCODES) {
    if (o.status !== 'executable') continue;
    L.push(`#### ${o.name} (${hex(o.value)})`, '', cell(o.summary), '');
    const rows: string[] = [];
    for (const t of o.tensors) {
      rows.push(
        `| \`${t.slot}\` | ${t.name}${t.optional ? '?' : ''} | ${t.role} | ${t.dtypes.join(', ')} | ${cell(t.doc)} |`,
      );
    }
    for (const a of o.args) rows.push(`| \`${a.field}\` | ${a.name} | | u | ${cell(a.doc)} |`);
    for (const f of o.floats) rows.push(`| \`${f.field}\` | ${f.name} | | f32 | ${cell(f.doc)} |`);
    for (const b of o.flags) rows.push(`| flags ${hex(b.mask)} | ${b.name} | | bits | ${cell(b.doc)} |`);
    if (rows.length === 0) L.push('No operands.', '');
    else
      L.push('| field | operand | role | type | meaning |', '| --- | --- | --- | --- | --- |', ...rows, '');
  }
  return L;
}

/** Markdown for the generated section of ISA.md (without the markers). */
export function generateIsaTables(): string {
  return [...fieldTable(), '', ...tensorDescTable(), '', ...opcodeTable(), '', ...operandTables()]
    .join('\n')
    .trimEnd();
}
