import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateIsaTables, ISA_TABLES_BEGIN, ISA_TABLES_END } from './isa-tables.js';
import { OPCODES } from './opcodes.js';

describe('ISA.md', () => {
  const text = readFileSync(resolve(__dirname, '../ISA.md'), 'utf8');

  it('holds exactly the generated tables between the markers (run gen:docs to update)', () => {
    const begin = text.indexOf(ISA_TABLES_BEGIN);
    const end = text.indexOf(ISA_TABLES_END);
    expect(begin).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(begin);
    expect(text.slice(begin + ISA_TABLES_BEGIN.length, end).trim()).toBe(generateIsaTables());
  });

  it('lists every opcode with its value, and every executable one with its operands', () => {
    const tables = generateIsaTables();
    for (const o of OPCODES) {
      expect(tables).toContain(
        `| 0x${o.value.toString(16).toUpperCase().padStart(2, '0')} | \`${o.name}\` |`,
      );
      if (o.status === 'executable') expect(tables).toContain(`#### ${o.name} (`);
    }
    expect(tables).toContain('| 56 | 4 | `f0` | f32 |');
  });
});
