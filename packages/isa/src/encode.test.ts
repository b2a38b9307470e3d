import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeInstruction,
  decodeQueue,
  emptyInstruction,
  encodeInstruction,
  encodeQueue,
  makeInstruction,
} from './encode.js';
import { FieldRangeError, ProgramFormatError } from './errors.js';
import { INSTRUCTION_FIELDS, type Instruction, NONE16 } from './instruction-layout.js';
import { OPCODES, Op } from './opcodes.js';
import { arbInstruction } from './testing/arbitraries.js';

const WIDTH = { u8: 1, u16: 2, u32: 4, f32: 4 } as const;

describe('instruction field table', () => {
  it('tiles exactly 64 bytes with naturally aligned fields and no gaps', () => {
    let next = 0;
    for (const f of INSTRUCTION_FIELDS) {
      expect(f.offset, f.name).toBe(next);
      expect(f.offset % WIDTH[f.type], `${f.name} alignment`).toBe(0);
      next += WIDTH[f.type];
    }
    expect(next).toBe(64);
  });
});

describe('encodeInstruction', () => {
  it('lays out a MATVEC exactly as the field table says (bytes written by hand)', () => {
    const inst = makeInstruction(Op.MATVEC, {
      flags: 0x01,
      layer: 5,
      wait0Counter: 0x1234,
      wait0Target: 0x01020304,
      signalCounter: 0x0bcd,
      t0: 40,
      t1: 41,
      t2: 2,
      a0: 256,
      a1: 16,
      f0: 1,
    });
    const expected = new Uint8Array(64);
    expected.set([0x31, 0x01, 5, 0, 0x34, 0x12, 0xff, 0xff], 0); // opcode flags layer wait0 wait1
    expected.set([4, 3, 2, 1, 0, 0, 0, 0], 8); // wait0Target wait1Target
    expected.set([0xcd, 0x0b, 0, 0], 16); // signal syncFlags reserved
    expected.set([40, 0, 41, 0, 2, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 20); // t0..t7
    expected.set([0, 1, 0, 0, 16, 0, 0, 0], 40); // a0 a1
    expected.set([0, 0, 0x80, 0x3f], 56); // f0 = 1.0f
    expect(Array.from(encodeInstruction(inst))).toEqual(Array.from(expected));
  });

  it('round-trips every field of every opcode through bytes (property)', () => {
    fc.assert(
      fc.property(arbInstruction(), (inst) => {
        const back = decodeInstruction(encodeInstruction(inst));
        for (const f of INSTRUCTION_FIELDS) {
          const want = f.type === 'f32' ? Math.fround(inst[f.name]) : inst[f.name];
          if (!Object.is(back[f.name], want)) return false;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips each opcode of the table, one by one (property)', () => {
    for (const o of OPCODES) {
      fc.assert(
        fc.property(arbInstruction(fc.constant(o.value)), (inst) => {
          const back = decodeInstruction(encodeInstruction(inst));
          return INSTRUCTION_FIELDS.every((f) =>
            Object.is(back[f.name], f.type === 'f32' ? Math.fround(inst[f.name]) : inst[f.name]),
          );
        }),
        { numRuns: 50 },
      );
    }
  });

  it('every table opcode survives encode/decode with all-neutral fields', () => {
    for (const o of OPCODES)
      expect(decodeInstruction(encodeInstruction(emptyInstruction(o.value)))).toEqual(
        emptyInstruction(o.value),
      );
  });

  it('rejects an integer outside its field instead of wrapping (property)', () => {
    const intFields = INSTRUCTION_FIELDS.filter((f) => f.type !== 'f32');
    const max = { u8: 0xff, u16: 0xffff, u32: 0xffffffff } as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...intFields),
        fc.oneof(fc.integer({ min: 1, max: 2 ** 40 }), fc.constant(0.5)),
        fc.boolean(),
        (f, excess, negative) => {
          const bad = negative ? -excess : excess === 0.5 ? 0.5 : max[f.type as keyof typeof max] + excess;
          const inst = { ...emptyInstruction(Op.NOOP), [f.name]: bad } as Instruction;
          try {
            encodeInstruction(inst);
            return false;
          } catch (e) {
            return e instanceof FieldRangeError && e.field === f.name;
          }
        },
      ),
    );
  });

  it('rejects floats that are not finite f32 values', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, -Number.POSITIVE_INFINITY, 3.5e38]) {
      expect(() => encodeInstruction(makeInstruction(Op.RMS_NORM, { f0: v }))).toThrow(FieldRangeError);
    }
    expect(() => encodeInstruction(makeInstruction(Op.RMS_NORM, { f0: 3.4e38 }))).not.toThrow();
  });

  it('rejects a missing field and leaves the output buffer untouched on failure', () => {
    const inst = emptyInstruction(Op.NOOP) as Partial<Instruction>;
    delete inst.a2;
    const out = new Uint8Array(64).fill(7);
    expect(() => encodeInstruction(inst as Instruction, out)).toThrow(FieldRangeError);
    expect(out.every((b) => b === 7)).toBe(true);
    expect(() => encodeInstruction(emptyInstruction(0), new Uint8Array(100), 40)).toThrow(FieldRangeError);
  });

  it('keeps -0 in float fields bit-exactly', () => {
    const bytes = encodeInstruction(makeInstruction(Op.SCALE, { f0: -0 }));
    expect(bytes[59]).toBe(0x80);
    expect(Object.is(decodeInstruction(bytes).f0, -0)).toBe(true);
  });
});

describe('decodeInstruction', () => {
  it('throws ProgramFormatError(truncated) for fewer than 64 bytes', () => {
    for (const n of [0, 1, 63]) {
      expect(() => decodeInstruction(new Uint8Array(n))).toThrow(ProgramFormatError);
    }
    expect(() => decodeInstruction(new Uint8Array(100), 40)).toThrowError(/truncated/);
  });

  it('rejects NaN and infinite float bits as malformed (property over bit patterns)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x7fffff }),
        fc.boolean(),
        fc.constantFrom(56, 60),
        (mantissa, neg, at) => {
          const bytes = encodeInstruction(emptyInstruction(Op.NOOP));
          new DataView(bytes.buffer).setUint32(at, ((neg ? 0xff800000 : 0x7f800000) | mantissa) >>> 0, true);
          try {
            decodeInstruction(bytes);
            return false;
          } catch (e) {
            return e instanceof FieldRangeError && e.field === (at === 56 ? 'f0' : 'f1');
          }
        },
      ),
    );
  });

  it('decodes any other 64 bytes, and re-encodes them to the same bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        const view = new DataView(bytes.buffer);
        for (const at of [56, 60])
          if (!Number.isFinite(view.getFloat32(at, true))) view.setFloat32(at, 1, true);
        return Buffer.from(encodeInstruction(decodeInstruction(bytes))).equals(Buffer.from(bytes));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('queues', () => {
  it('encodes back to back and decodes in order', () => {
    const insts = fc.sample(arbInstruction(), { numRuns: 10, seed: 7 });
    const bytes = encodeQueue(insts);
    expect(bytes.byteLength).toBe(640);
    const back = decodeQueue(bytes);
    expect(back.map((i) => i.opcode)).toEqual(insts.map((i) => i.opcode));
    expect(back[3]!.a2).toBe(insts[3]!.a2);
  });

  it('rejects a queue whose length is not a multiple of 64', () => {
    expect(() => decodeQueue(new Uint8Array(65))).toThrowError(ProgramFormatError);
    try {
      decodeQueue(new Uint8Array(127));
    } catch (e) {
      expect((e as ProgramFormatError).code).toBe('bad-queue-length');
    }
    expect(decodeQueue(new Uint8Array(0))).toEqual([]);
  });

  it('emptyInstruction has no waits, signal, tensors or layer', () => {
    const e = emptyInstruction(Op.BARRIER);
    expect([e.wait0Counter, e.wait1Counter, e.signalCounter, e.layer, e.t0, e.t7]).toEqual(
      Array(6).fill(NONE16),
    );
    expect([e.a0, e.b1, e.f1, e.flags, e.syncFlags]).toEqual([0, 0, 0, 0, 0]);
  });
});
