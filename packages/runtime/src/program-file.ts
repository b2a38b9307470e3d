/** Program containers on disk (the format itself is @megakernel/isa's readProgram/writeProgram). */
import * as fs from 'node:fs';
import { type Program, writeProgram } from '@megakernel/isa';
import { type CheckProgramOptions, loadProgramFile } from './program-load.js';

/**
 * Reads a program file through the one loading path (loadProgramFile): ProgramFileError when it is
 * missing, ProgramFormatError naming the file when it is not a program, ProgramValidationError /
 * ProgramLimitError / ProgramModelMismatchError when it is a corrupted or foreign one.
 */
export function readProgramFile(file: string, options: Omit<CheckProgramOptions, 'source'> = {}): Program {
  return loadProgramFile(file, options);
}

/** Writes a program file; returns its size in bytes. */
export function writeProgramFile(file: string, program: Program): number {
  const bytes = writeProgram(program);
  fs.writeFileSync(file, bytes);
  return bytes.byteLength;
}
