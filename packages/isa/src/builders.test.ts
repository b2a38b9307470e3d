import { describe, expect, it } from 'vitest';
import { barrierInstruction, copyInstruction, zeroInstruction } from './builders.js';
import { decodeInstruction, encodeInstruction } from './encode.js';
import { FieldRangeError } from './errors.js';
import { NONE16 } from './instruction-layout.js';
import { opcodeByName } from './opcodes.js';
import { instructionFor, readOperands } from './operands.js';

describe('BARRIER / COPY / ZERO builders (the seed encodings fixed)', () => {
  it('a barrier keeps its opcode byte intact whatever it waits on (seed: condition bits overlapped the opcode)', () => {
    const b = barrierInstruction({
      wait0: { counter: 0x0203, target: 3 },
      wait1: { counter: 0xfffe, target: 0x7fffffff, previousStep: true },
      signal: 0x0405,
    });
    const bytes = encodeInstruction(b);
    expect(bytes[0]).toBe(0x01);
    expect(bytes[1]).toBe(0); // flags byte unused by BARRIER
    expect(Array.from(bytes.subarray(4, 8))).toEqual([0x03, 0x02, 0xfe, 0xff]); // 16-bit counter ids
    expect(new DataView(bytes.buffer).getUint32(12, true)).toBe(0x7fffffff); // 32-bit target
    expect(bytes[18]).toBe(0x02); // previous-step bit for wait1 only
    expect(Array.from(bytes.subarray(20, 36)).every((x) => x === 0xff)).toBe(true); // no tensors
  });

  it('counter ids above 255 and targets above 65535 survive (seed: u8 slot, u16 count)', () => {
    const back = decodeInstruction(
      encodeInstruction(barrierInstruction({ wait0: { counter: 4000, target: 100000 } })),
    );
    expect([back.wait0Counter, back.wait0Target]).toEqual([4000, 100000]);
    expect(back.signalCounter).toBe(NONE16);
  });

  it('COPY and ZERO carry their ranges in named arguments with the generic sync fields', () => {
    const c = copyInstruction(
      { src: 3, dst: 9, srcOffset: 16, count: 64 },
      { wait0: { counter: 1, target: 2 }, signal: 7 },
    );
    expect(readOperands(c, opcodeByName('COPY')!)).toEqual({
      src: 3,
      dst: 9,
      srcOffset: 16,
      dstOffset: 0,
      count: 64,
    });
    expect([c.opcode, c.wait0Counter, c.wait0Target, c.signalCounter]).toEqual([0x15, 1, 2, 7]);
    const z = zeroInstruction({ dst: 4, count: 10 });
    expect([z.opcode, z.t0, z.a0, z.a1, z.t1]).toEqual([0x16, 4, 0, 10, NONE16]);
  });

  it('instructionFor rejects operands and flags the opcode does not have', () => {
    // The descriptor's literal names make both misspellings compile errors as well.
    // @ts-expect-error COPY has no operand W
    expect(() => instructionFor('COPY', { W: 1 })).toThrow(FieldRangeError);
    // @ts-expect-error MATVEC has no flag splitK
    expect(() => instructionFor('MATVEC', { flags: ['splitK'] })).toThrow(FieldRangeError);
    expect(() => instructionFor('MATVEC', { activation: 'silu' })).toThrow(FieldRangeError);
    const g = instructionFor('FUSED_NORM_GATE_UP_ACT', {
      flags: ['gated', 'layerNorm'],
      activation: 'gelu_tanh',
    });
    expect(g.flags).toBe(0x04 | 0x01 | (2 << 4));
  });
});
