/** fast-check generators shared by the ISA tests (not part of the public surface). */
import fc from 'fast-check';
import { INSTRUCTION_FIELDS, type Instruction, NONE16 } from '../instruction-layout.js';
import { OPCODES } from '../opcodes.js';

const INT_MAX = { u8: 0xff, u16: 0xffff, u32: 0xffffffff } as const;

/** Any finite f32 value, -0 included. */
export const arbF32: fc.Arbitrary<number> = fc.float({ noNaN: true, noDefaultInfinity: true });

/** Every field uniformly over its whole range (ids biased towards NONE16 and small values). */
export function arbInstruction(opcodes: fc.Arbitrary<number> = arbOpcodeValue()): fc.Arbitrary<Instruction> {
  const fields: Record<string, fc.Arbitrary<number>> = {};
  for (const f of INSTRUCTION_FIELDS) {
    if (f.name === 'opcode') fields[f.name] = opcodes;
    else if (f.type === 'f32') fields[f.name] = arbF32;
    else if (f.type === 'u16') {
      fields[f.name] = fc.oneof(
        fc.constant(NONE16),
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 0, max: 0xffff }),
      );
    } else fields[f.name] = fc.integer({ min: 0, max: INT_MAX[f.type] });
  }
  return fc.record(fields) as unknown as fc.Arbitrary<Instruction>;
}

/** Opcode values from the table, plus now and then any byte. */
export function arbOpcodeValue(): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...OPCODES.map((o) => o.value)) },
    fc.integer({ min: 0, max: 255 }),
  );
}
