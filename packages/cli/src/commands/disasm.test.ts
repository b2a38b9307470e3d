import * as fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorLine, runBuiltCli } from '../testing/built-cli.js';
import { tempPath } from '../testing/temp.js';

describe('megakernel disasm', () => {
  const program = tempPath('default.mkp');
  beforeAll(async () => {
    expect((await runBuiltCli(['compile', 'default', '--queues', '4', '-o', program])).code).toBe(0);
  });

  it('prints the whole program with its header', async () => {
    const r = await runBuiltCli(['disasm', program]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# megakernel program/);
    expect(r.stdout).toMatch(/^\.queues 4$/m);
    expect(r.stdout).toMatch(/^q3\[0\] /m);
  });

  it('filters by queue and index range', async () => {
    const r = await runBuiltCli(['disasm', program, '--queue', '1', '--range', '2:5']);
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['q1[2]', 'q1[3]', 'q1[4]']);
  });

  it('filters by layer and opcode', async () => {
    const r = await runBuiltCli(['disasm', program, '--layer', '2', '--opcode', 'fused_norm_qkv_rope']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^q\d+\[\d+\] L2 FUSED_NORM_QKV_ROPE /);
  });

  it('exits 2 for an unknown opcode or a bad range', async () => {
    const op = await runBuiltCli(['disasm', program, '--opcode', 'FROB']);
    expect(op.code).toBe(2);
    expect(errorLine(op.stderr)).toMatch(/unknown opcode 'FROB'/);
    const range = await runBuiltCli(['disasm', program, '--range', '5-2']);
    expect(range.code).toBe(2);
    expect(errorLine(range.stderr)).toMatch(/--range.*'5-2' is invalid/);
  });

  it('exits 1 for a file that is not a program', async () => {
    const notProgram = tempPath('notes.txt');
    fs.writeFileSync(notProgram, 'hello');
    const r = await runBuiltCli(['disasm', notProgram]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/notes\.txt: not a megakernel program/);
  });
});
