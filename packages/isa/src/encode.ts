/**
 * Instruction ⇄ 64 bytes, little-endian, driven by the field table. Encoding is strict: a value that
 * does not fit its field throws FieldRangeError instead of wrapping, so a scheduler bug cannot turn
 * row 65536 into row 0. f32 fields hold finite values only (NaN payloads would not survive a round trip).
 */
import { FieldRangeError, ProgramFormatError } from './errors.js';
import {
  type FieldSpec,
  type FieldType,
  INSTRUCTION_BYTES,
  INSTRUCTION_FIELDS,
  type Instruction,
  type InstructionField,
  NONE16,
  TENSOR_SLOT_FIELDS,
} from './instruction-layout.js';

const INT_MAX: Readonly<Record<Exclude<FieldType, 'f32'>, number>> = {
  u8: 0xff,
  u16: 0xffff,
  u32: 0xffffffff,
};

/** An instruction with every field at its neutral value: no waits, no signal, no tensors, no layer. */
const EMPTY: Instruction = (() => {
  const inst = Object.fromEntries(INSTRUCTION_FIELDS.map((f) => [f.name, 0])) as Instruction;
  inst.layer = NONE16;
  inst.wait0Counter = NONE16;
  inst.wait1Counter = NONE16;
  inst.signalCounter = NONE16;
  for (const s of TENSOR_SLOT_FIELDS) inst[s] = NONE16;
  return inst;
})();

export function emptyInstruction(opcode = 0): Instruction {
  return { ...EMPTY, opcode };
}

/** Builds an instruction from the fields that differ from `emptyInstruction`. */
export function makeInstruction(
  opcode: number,
  fields: Partial<Record<InstructionField, number>>,
): Instruction {
  return { ...emptyInstruction(opcode), ...fields };
}

/** Throws FieldRangeError unless `value` can be stored in field `f` exactly (floats: after f32 rounding). */
export function checkFieldValue(f: FieldSpec, value: unknown): number {
  if (typeof value !== 'number') throw new FieldRangeError(f.name, value, `a number (${f.type})`);
  if (f.type === 'f32') {
    if (!Number.isFinite(Math.fround(value))) throw new FieldRangeError(f.name, value, 'a finite f32');
    return value;
  }
  const max = INT_MAX[f.type];
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new FieldRangeError(f.name, value, `an integer in [0, ${max}] (${f.type})`);
  }
  return value;
}

export function encodeInstruction(inst: Instruction, out?: Uint8Array, offset = 0): Uint8Array {
  // Check every field before writing any, so a failed encode leaves `out` untouched.
  const values = INSTRUCTION_FIELDS.map((f) => checkFieldValue(f, inst[f.name]));
  const buf = out ?? new Uint8Array(INSTRUCTION_BYTES);
  if (offset < 0 || offset + INSTRUCTION_BYTES > buf.byteLength) {
    throw new FieldRangeError(
      'offset',
      offset,
      `within a ${buf.byteLength}-byte buffer with room for 64 bytes`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset + offset, INSTRUCTION_BYTES);
  INSTRUCTION_FIELDS.forEach((f, i) => {
    const v = values[i]!;
    switch (f.type) {
      case 'u8':
        view.setUint8(f.offset, v);
        break;
      case 'u16':
        view.setUint16(f.offset, v, true);
        break;
      case 'u32':
        view.setUint32(f.offset, v, true);
        break;
      case 'f32':
        view.setFloat32(f.offset, v, true);
        break;
    }
  });
  return buf;
}

/**
 * Decodes the 64 bytes at `offset`. Throws ProgramFormatError('truncated') when fewer remain and
 * FieldRangeError when a float field holds NaN or an infinity (malformed bytes); every other bit
 * pattern decodes, and validation judges it.
 */
export function decodeInstruction(bytes: Uint8Array, offset = 0): Instruction {
  if (!Number.isInteger(offset) || offset < 0 || bytes.byteLength - offset < INSTRUCTION_BYTES) {
    throw new ProgramFormatError(
      'truncated',
      `an instruction needs ${INSTRUCTION_BYTES} bytes at offset ${offset} of ${bytes.byteLength}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, INSTRUCTION_BYTES);
  const inst = {} as Instruction;
  for (const f of INSTRUCTION_FIELDS) {
    switch (f.type) {
      case 'u8':
        inst[f.name] = view.getUint8(f.offset);
        break;
      case 'u16':
        inst[f.name] = view.getUint16(f.offset, true);
        break;
      case 'u32':
        inst[f.name] = view.getUint32(f.offset, true);
        break;
      case 'f32': {
        const v = view.getFloat32(f.offset, true);
        if (!Number.isFinite(v)) {
          const bits = view.getUint32(f.offset, true).toString(16).padStart(8, '0');
          throw new FieldRangeError(f.name, `0x${bits}`, 'a finite f32');
        }
        inst[f.name] = v;
        break;
      }
    }
  }
  return inst;
}

/** Encodes a queue of instructions into one contiguous array. */
export function encodeQueue(insts: readonly Instruction[]): Uint8Array {
  const buf = new Uint8Array(insts.length * INSTRUCTION_BYTES);
  insts.forEach((inst, i) => {
    encodeInstruction(inst, buf, i * INSTRUCTION_BYTES);
  });
  return buf;
}

/** Decodes a whole queue; a length that is not a multiple of 64 throws ProgramFormatError('bad-queue-length'). */
export function decodeQueue(bytes: Uint8Array): Instruction[] {
  if (bytes.byteLength % INSTRUCTION_BYTES !== 0) {
    throw new ProgramFormatError(
      'bad-queue-length',
      `${bytes.byteLength} bytes is not a whole number of ${INSTRUCTION_BYTES}-byte instructions`,
    );
  }
  const out: Instruction[] = [];
  for (let o = 0; o < bytes.byteLength; o += INSTRUCTION_BYTES) out.push(decodeInstruction(bytes, o));
  return out;
}
