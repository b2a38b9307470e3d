import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Instruction fields by slot (t0..t7, a0..a3, f0..f3): read as `inst.t1`, or set as `t1: id`.
const RAW_SLOT = /\b[a-z]+\.(?:t[0-7]|a[0-3]|f[0-3])\b|[{,\s](?:t[0-7]|a[0-3]|f[0-3])\s*:/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testing' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the scheduler names operands', () => {
  it('builds and reads instructions by operand name: no raw slot field in any source file', () => {
    const root = fileURLToPath(new URL('.', import.meta.url));
    const offenders: string[] = [];
    for (const file of sources(root)) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (RAW_SLOT.test(line)) offenders.push(`${file.slice(root.length)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it('the pattern catches raw slots (so the test above can fail)', () => {
    for (const bad of [
      'const w = tensors[inst.t1];',
      'makeTile(op, { t0: ids.hidden });',
      '{ a0: 1, f0: eps }',
    ])
      expect(RAW_SLOT.test(bad)).toBe(true);
    for (const good of ["instructionFor('MATVEC', { x: 1, W: 2 })", 'const a0 = 1;', 'o.rowStart'])
      expect(RAW_SLOT.test(good)).toBe(false);
  });
});
