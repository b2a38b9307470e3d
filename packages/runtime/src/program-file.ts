/** Program containers on disk (the format itself is @megakernel/isa's readProgram/writeProgram). */
import * as fs from 'node:fs';
import { type Program, ProgramFormatError, readProgram, writeProgram } from '@megakernel/isa';

/** Reads and parses a program file (ProgramFormatError naming the file when it is not one). */
export function readProgramFile(file: string): Program {
  const bytes = new Uint8Array(fs.readFileSync(file));
  try {
    return readProgram(bytes);
  } catch (e) {
    if (!(e instanceof ProgramFormatError)) throw e;
    throw new ProgramFormatError(e.code, `${file}: ${e.message.slice(e.code.length + 2)}`);
  }
}

/** Writes a program file; returns its size in bytes. */
export function writeProgramFile(file: string, program: Program): number {
  const bytes = writeProgram(program);
  fs.writeFileSync(file, bytes);
  return bytes.byteLength;
}
