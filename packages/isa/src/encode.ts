/** Instruction ⇄ 64 bytes, little-endian, driven by the field table. */
import {
  INSTRUCTION_BYTES,
  INSTRUCTION_FIELDS,
  type Instruction,
  type InstructionField,
  NONE16,
  TENSOR_SLOT_FIELDS,
} from './instruction-layout.js';

/** An instruction with every field at its neutral value: no waits, no signal, no tensors, no layer. */
export function emptyInstruction(opcode = 0): Instruction {
  const inst = Object.fromEntries(INSTRUCTION_FIELDS.map((f) => [f.name, 0])) as Instruction;
  inst.opcode = opcode;
  inst.layer = NONE16;
  inst.wait0Counter = NONE16;
  inst.wait1Counter = NONE16;
  inst.signalCounter = NONE16;
  for (const s of TENSOR_SLOT_FIELDS) inst[s] = NONE16;
  return inst;
}

/** Builds an instruction from the fields that differ from `emptyInstruction`. */
export function makeInstruction(opcode: number, fields: Partial<Record<InstructionField, number>>): Instruction {
  return { ...emptyInstruction(opcode), ...fields };
}

export function encodeInstruction(inst: Instruction, out?: Uint8Array, offset = 0): Uint8Array {
  const buf = out ?? new Uint8Array(INSTRUCTION_BYTES);
  const view = new DataView(buf.buffer, buf.byteOffset + offset, INSTRUCTION_BYTES);
  for (const f of INSTRUCTION_FIELDS) {
    const v = inst[f.name];
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
  }
  return buf;
}

export function decodeInstruction(bytes: Uint8Array, offset = 0): Instruction {
  if (bytes.byteLength - offset < INSTRUCTION_BYTES) {
    throw new RangeError(`decodeInstruction: need ${INSTRUCTION_BYTES} bytes at offset ${offset}`);
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
      case 'f32':
        inst[f.name] = view.getFloat32(f.offset, true);
        break;
    }
  }
  return inst;
}

/** Encodes a queue of instructions into one contiguous array. */
export function encodeQueue(insts: readonly Instruction[]): Uint8Array {
  const buf = new Uint8Array(insts.length * INSTRUCTION_BYTES);
  insts.forEach((inst, i) => encodeInstruction(inst, buf, i * INSTRUCTION_BYTES));
  return buf;
}

export function decodeQueue(bytes: Uint8Array): Instruction[] {
  const out: Instruction[] = [];
  for (let o = 0; o + INSTRUCTION_BYTES <= bytes.byteLength; o += INSTRUCTION_BYTES) out.push(decodeInstruction(bytes, o));
  return out;
}
