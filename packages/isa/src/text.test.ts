import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeQueue, emptyInstruction, encodeInstruction, encodeQueue, makeInstruction } from './encode.js';
import { AsmSyntaxError, ProgramFormatError } from './errors.js';
import { formatF32, parseF32 } from './f32-text.js';
import { INSTRUCTION_FIELDS, type Instruction, NONE16 } from './instruction-layout.js';
import { OPCODES, Op } from './opcodes.js';
import { writeProgram } from './program.js';
import { arbInstruction } from './testing/arbitraries.js';
import { tinyProgram } from './testing/tiny-program.js';
import { printInstruction } from './text-instruction.js';
import { parseInstruction, parseInstructionLine, parseProgram, printProgram } from './text-program.js';

const sameFields = (a: Instruction, b: Instruction): boolean =>
  INSTRUCTION_FIELDS.every((f) =>
    Object.is(a[f.name], f.type === 'f32' ? Math.fround(b[f.name]) : b[f.name]),
  );

const ISSUE_LINE =
  'q3[12] L5 FUSED_MATMUL_RESIDUAL wait0=c17>=4 signal=c18 x=t40 W=t41 out=t2 rowStart=256 rowCount=16 kStart=0 kCount=0 scale=1 flags=splitK';

describe('instruction text', () => {
  it('parses the example line of the issue into the fields it names', () => {
    const { where, instruction: i } = parseInstructionLine(ISSUE_LINE);
    expect(where).toEqual({ queue: 3, index: 12 });
    expect(i).toEqual({
      ...emptyInstruction(0xb4),
      layer: 5,
      wait0Counter: 17,
      wait0Target: 4,
      signalCounter: 18,
      t0: 40,
      t1: 41,
      t2: 2,
      a0: 256,
      a1: 16,
      f0: 1,
      flags: 0x02,
    });
  });

  it('prints that instruction back as the same line', () => {
    expect(printInstruction(parseInstruction(ISSUE_LINE), { queue: 3, index: 12 })).toBe(ISSUE_LINE);
  });

  it('prints previous-step waits, activations, floats and stray fields by name', () => {
    const inst = makeInstruction(Op.FUSED_NORM_GATE_UP_ACT, {
      layer: NONE16,
      wait1Counter: 2,
      wait1Target: 7,
      syncFlags: 0x02,
      t0: 1,
      t3: 2,
      t6: 3,
      a1: 8,
      f0: 1e-5,
      flags: 0x04 | (2 << 4) | 0x80,
      b0: 9,
      f1: -0,
    });
    expect(printInstruction(inst)).toBe(
      'L- FUSED_NORM_GATE_UP_ACT wait1=c2>=7:prev x=t1 Wup=t2 out=t3 rowStart=0 rowCount=8 eps=0.00001 activation=gelu_tanh flags=gated|0x80 b0=9 f1=-0',
    );
  });

  it('prints opcodes outside the table as OP_0xNN with raw fields', () => {
    const line = printInstruction(makeInstruction(0x03, { a0: 5, t2: 9 }));
    expect(line).toBe('L- OP_0x03 t2=9 a0=5');
    expect(parseInstruction(line)).toEqual(makeInstruction(0x03, { a0: 5, t2: 9 }));
  });

  it('round-trips every opcode through text (property)', () => {
    fc.assert(
      fc.property(arbInstruction(), (inst) => sameFields(parseInstruction(printInstruction(inst)), inst)),
      { numRuns: 3000 },
    );
  });

  it('round-trips each opcode of the table, one by one (property)', () => {
    for (const o of OPCODES) {
      fc.assert(
        fc.property(arbInstruction(fc.constant(o.value)), (inst) =>
          sameFields(parseInstruction(printInstruction(inst)), inst),
        ),
        { numRuns: 50 },
      );
    }
  });

  it('rejects malformed lines with AsmSyntaxError', () => {
    const bad = [
      'L0 NOT_AN_OP',
      'L0 MATVEC W=t1 W=t2',
      'L0 MATVEC bogus=1',
      'L0 MATVEC x=5',
      'L0 MATVEC rowStart=4294967296',
      'L0 MATVEC rowStart=-1',
      'L0 MATVEC wait0=c70000>=1',
      'L0 MATVEC wait0=c1>=1 wait0Target=3',
      'L0 MATVEC t0=4',
      'L0 MATVEC flags=splitK',
      'L0 RMS_NORM eps=nan',
      'L0 RMS_NORM eps=1e39',
      'L99999 NOOP',
      'L0 MATVEC rowStart',
      '',
    ];
    for (const line of bad) expect(() => parseInstruction(line), line).toThrow(AsmSyntaxError);
  });
});

describe('f32 text', () => {
  it('prints the shortest decimal that reads back to the same f32', () => {
    expect(formatF32(1e-5)).toBe('0.00001');
    expect(formatF32(0.125)).toBe('0.125');
    expect(formatF32(0.1)).toBe('0.1');
    expect(formatF32(1 / 3)).toBe('0.33333334');
    expect(formatF32(-0)).toBe('-0');
    expect(formatF32(3.4028234663852886e38)).toBe('3.4028235e+38');
    expect(formatF32(1.401298464324817e-45)).toBe('1e-45');
  });

  it('reads back bit-exactly (property)', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) =>
        Object.is(parseF32(formatF32(v)), Math.fround(v)),
      ),
      { numRuns: 5000 },
    );
  });
});

describe('program text', () => {
  const { program } = tinyProgram();

  it('parseProgram(printProgram(p)) re-encodes to exactly writeProgram(p)', () => {
    const text = printProgram(program);
    expect(Buffer.from(writeProgram(parseProgram(text))).equals(Buffer.from(writeProgram(program)))).toBe(
      true,
    );
    expect(text).toContain('q0[1] L0 FUSED_NORM_QKV_ROPE wait0=c0>=1 signal=c2 x=t');
    expect(text).toMatch(
      /^\.tensor t1 bf16\[1,8\] weights@512 name="attnNorm0" layer=0 source=\{"kind":"tensor","name":"attnNorm0"\}$/m,
    );
  });

  it('round-trips arbitrary queues, NaN floats included, to the same bytes (property)', () => {
    const nanBytes = encodeInstruction(emptyInstruction(Op.SCALE));
    new DataView(nanBytes.buffer).setUint32(56, 0x7fc01234, true);
    fc.assert(
      fc.property(
        fc.array(fc.array(arbInstruction(), { maxLength: 6 }), { maxLength: 4 }),
        fc.boolean(),
        (qs, withNan) => {
          const queues = qs.map(encodeQueue);
          if (withNan && queues[0]) {
            const q = new Uint8Array(queues[0].byteLength + 64);
            q.set(queues[0]);
            q.set(nanBytes, queues[0].byteLength);
            queues[0] = q;
          }
          const p = { ...program, queues };
          return Buffer.from(writeProgram(parseProgram(printProgram(p)))).equals(
            Buffer.from(writeProgram(p)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('filters instructions for disassembly views', () => {
    const text = printProgram(program, {
      instructionsOnly: true,
      filter: (i, w) => w.queue === 1 && i.opcode === Op.ATTENTION_PARTIAL,
    });
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^q1\[\d+\] L1 ATTENTION_PARTIAL /);
  });

  it('reports syntax errors with their line number', () => {
    const text = printProgram(program);
    const lines = text.split('\n');
    const lineOf = (edit: (ls: string[]) => void): number => {
      const ls = [...lines];
      edit(ls);
      try {
        parseProgram(ls.join('\n'));
      } catch (e) {
        if (e instanceof AsmSyntaxError) return e.line;
        throw e;
      }
      return -1;
    };
    const q = lines.findIndex((l) => l.startsWith('q0[1]'));
    expect(lineOf((ls) => (ls[q] = ls[q]!.replace('q0[1]', 'q0[2]')))).toBe(q + 1);
    expect(lineOf((ls) => (ls[q] = `${ls[q]} bogus=1`))).toBe(q + 1);
    expect(lineOf((ls) => (ls[q] = ls[q]!.replace('q0[1]', 'q9[0]')))).toBe(q + 1);
    expect(lineOf((ls) => (ls[1] = '.bogus 1'))).toBe(2);
    expect(lineOf((ls) => ls.splice(2, 1))).toBeGreaterThan(0); // missing .maxSeqLen
    expect(lineOf((ls) => (ls[q] = 'q0[1] RAW bytes=00'))).toBe(q + 1);
  });

  it('reports a header that is not a valid program header as ProgramFormatError', () => {
    const text = printProgram(program).replace(/^\.counters \d+$/m, '.counters 70000');
    expect(() => parseProgram(text)).toThrow(ProgramFormatError);
  });

  it('decodes what it parsed: instruction count per queue is preserved', () => {
    const back = parseProgram(printProgram(program));
    expect(back.queues.map((q) => decodeQueue(q).length)).toEqual(
      program.queues.map((q) => q.byteLength / 64),
    );
  });
});
