/**
 * Builders for the synchronisation and memory instructions whose seed encodings were broken
 * (prior-art A.8). Here BARRIER, COPY and ZERO are ordinary instructions: they wait through the
 * generic wait0/wait1 fields (16-bit counter ids, 32-bit per-step targets), signal through
 * signalCounter, and nothing about them is waited on by the instruction fetcher. See ISA.md "Barriers".
 */
import type { Instruction } from './instruction-layout.js';
import { instructionFor, type SyncFields } from './operands.js';

/** Waits on up to two counters, then signals: a join point costing no memory traffic. */
export function barrierInstruction(sync: SyncFields): Instruction {
  return instructionFor('BARRIER', {}, sync);
}

export interface CopyArgs {
  readonly src: number;
  readonly dst: number;
  readonly srcOffset?: number;
  readonly dstOffset?: number;
  readonly count: number;
}

/** dst[dstOffset + i] = src[srcOffset + i] for i < count, converting dtype. */
export function copyInstruction(args: CopyArgs, sync: SyncFields = {}): Instruction {
  const { src, dst, srcOffset = 0, dstOffset = 0, count } = args;
  return instructionFor('COPY', { src, dst, srcOffset, dstOffset, count }, sync);
}

export interface ZeroArgs {
  readonly dst: number;
  readonly offset?: number;
  readonly count: number;
}

/** dst[offset + i] = 0 for i < count. */
export function zeroInstruction(args: ZeroArgs, sync: SyncFields = {}): Instruction {
  const { dst, offset = 0, count } = args;
  return instructionFor('ZERO', { dst, offset, count }, sync);
}
