// The CUDA ops read their operands only through the generated accessors of csrc/generated/isa.h
// (FooBarOps: x(), row_start(), eps(), gated(), kSlotX ...), never by slot number or raw field, so
// the opcode table is the one place that says what each slot and field means (issue 14).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const csrc = resolve(__dirname, '../csrc');
const opFiles = readdirSync(join(csrc, 'ops'))
  .filter((f) => f.endsWith('.cuh'))
  .map((f) => `ops/${f}`);
// The consumer-side helpers the ops call (plan.cuh, which resolves the slots, is not one of them).
const helperFiles = ['vector.cuh', 'stream_matvec.cuh', 'matvec_rows.cuh'];

const RAW: readonly [string, RegExp][] = [
  ['a tensor slot by number (.t[<digit>])', /\.t\[\s*\d/],
  ['a plan tensor slot (p.t[)', /\bp\.t\[/],
  ['a raw tensor-slot field (inst.t0..t7)', /\binst\.t[0-7]\b/],
  ['a raw argument field (inst.a0..a3)', /\binst\.a[0-3]\b/],
  ['a raw float field (inst.f0..f3)', /\binst\.f[0-3]\b/],
  ['a raw flags read (inst.flags)', /\binst\.flags\b/],
  ['a numeric error detail (c.fail(p, STATUS_X, <digit>))', /\bfail\(\s*p\s*,[^,()]+,\s*\d/],
];

function rawReads(file: string): string[] {
  const found: string[] = [];
  readFileSync(join(csrc, file), 'utf8')
    .split('\n')
    .forEach((line, i) => {
      for (const [what, re] of RAW)
        if (re.test(line)) found.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
    });
  return found;
}

describe('CUDA ops read operands through the generated accessors', () => {
  it('finds the op sources', () => {
    expect(opFiles.length).toBeGreaterThan(10);
  });
  it.each([...opFiles, ...helperFiles])('%s names every operand (no raw slot, field or detail)', (file) => {
    expect(rawReads(file)).toEqual([]);
  });
  it('the check itself catches each raw form', () => {
    const samples = [
      'const TRef &x = p.t[0];',
      'const TRef& W = plan.t[ 2];',
      'uint16_t id = p.inst.t6;',
      'const uint32_t r0 = p.inst.a0;',
      'const float eps = in.inst.f0;',
      'const bool gated = p.inst.flags & FLAG_GATED;',
      'c.fail(p, STATUS_BAD_EXTENT, 6);',
    ];
    for (const s of samples)
      expect(
        RAW.some(([, re]) => re.test(s)),
        s,
      ).toBe(true);
    const named = [
      'const TRef& x = op.x();',
      'c.fail(p, STATUS_BAD_EXTENT, op.kSlotOut);',
      'c.fail(p, STATUS_UNSUPPORTED, d);',
    ];
    for (const s of named)
      expect(
        RAW.some(([, re]) => re.test(s)),
        s,
      ).toBe(false);
  });
});
