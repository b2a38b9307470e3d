/**
 * The binary program container: what the compiler writes and both VMs load.
 *   bytes 0-7   "MKPROG\0\0"
 *   bytes 8-11  u32 LE format version (1)
 *   bytes 12-15 u32 LE header byte length H
 *   16 .. 16+H  UTF-8 canonical JSON header (ProgramHeader)
 *   zero padding to a multiple of 64, then each queue's 64-byte instructions, queue 0 first.
 * A reader never trusts a length before checking it against the file, so corrupt input ends in a
 * ProgramFormatError, never a RangeError, a SyntaxError or a huge allocation.
 */
import { canonicalJson } from './canonical-json.js';
import { ProgramFormatError } from './errors.js';
import { INSTRUCTION_BYTES } from './instruction-layout.js';
import {
  PROGRAM_FORMAT_VERSION,
  PROGRAM_MAGIC,
  PROGRAM_PREFIX_BYTES,
  PROGRAM_QUEUE_ALIGN,
} from './program-format.js';
import { checkProgramHeader, type ProgramHeader } from './program-header.js';
import type { Program } from './program-types.js';

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function headerOf(p: Program): ProgramHeader {
  if (p.formatVersion !== PROGRAM_FORMAT_VERSION) {
    throw new ProgramFormatError(
      'unsupported-version',
      `this writer produces version ${PROGRAM_FORMAT_VERSION}`,
    );
  }
  p.queues.forEach((q, i) => {
    if (q.byteLength % INSTRUCTION_BYTES !== 0) {
      throw new ProgramFormatError(
        'bad-queue-length',
        `queue ${i} has ${q.byteLength} bytes, not a multiple of 64`,
      );
    }
  });
  return {
    formatVersion: p.formatVersion,
    config: p.config,
    maxSeqLen: p.maxSeqLen,
    tensors: p.tensors,
    weightBytes: p.weightBytes,
    stateBytes: p.stateBytes,
    counterCount: p.counterCount,
    ...(p.tokensPerStep !== undefined ? { tokensPerStep: p.tokensPerStep } : {}),
    io: p.io,
    meta: p.meta,
    queueLengths: p.queues.map((q) => q.byteLength / INSTRUCTION_BYTES),
  };
}

/** Serialises a program. Throws ProgramFormatError for a program that could not be read back. */
export function writeProgram(p: Program): Uint8Array {
  const header = headerOf(p);
  const json = canonicalJson(header);
  // Round-trip through the reader's checker so a writer bug cannot produce an unreadable file.
  checkProgramHeader(JSON.parse(json));
  const headerBytes = new TextEncoder().encode(json);
  const queueStart = alignUp(PROGRAM_PREFIX_BYTES + headerBytes.byteLength, PROGRAM_QUEUE_ALIGN);
  const total = queueStart + p.queues.reduce((s, q) => s + q.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(PROGRAM_MAGIC, 0);
  view.setUint32(8, PROGRAM_FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.byteLength, true);
  out.set(headerBytes, PROGRAM_PREFIX_BYTES);
  let o = queueStart;
  for (const q of p.queues) {
    out.set(q, o);
    o += q.byteLength;
  }
  return out;
}

/** Parses a container; every defect is a ProgramFormatError with a code saying which. */
export function readProgram(bytes: Uint8Array): Program {
  const magicLen = Math.min(bytes.byteLength, PROGRAM_MAGIC.byteLength);
  for (let i = 0; i < magicLen; i++) {
    if (bytes[i] !== PROGRAM_MAGIC[i]) throw new ProgramFormatError('bad-magic', 'not a megakernel program');
  }
  if (bytes.byteLength < PROGRAM_PREFIX_BYTES) {
    throw new ProgramFormatError('truncated', `${bytes.byteLength} bytes is shorter than the 16-byte prefix`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== PROGRAM_FORMAT_VERSION) {
    throw new ProgramFormatError(
      'unsupported-version',
      `format version ${version}; this reader knows ${PROGRAM_FORMAT_VERSION}`,
    );
  }
  const headerLen = view.getUint32(12, true);
  const headerEnd = PROGRAM_PREFIX_BYTES + headerLen;
  if (headerEnd > bytes.byteLength) {
    throw new ProgramFormatError(
      'truncated',
      `header of ${headerLen} bytes runs past the end (${bytes.byteLength})`,
    );
  }
  let parsed: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(PROGRAM_PREFIX_BYTES, headerEnd),
    );
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ProgramFormatError('bad-header', `header is not UTF-8 JSON: ${(e as Error).message}`);
  }
  const header = checkProgramHeader(parsed);
  if (header.formatVersion !== version) {
    throw new ProgramFormatError(
      'bad-header',
      `header says version ${header.formatVersion}, prefix says ${version}`,
    );
  }
  const queueStart = alignUp(headerEnd, PROGRAM_QUEUE_ALIGN);
  if (queueStart > bytes.byteLength)
    throw new ProgramFormatError('truncated', 'file ends inside the header padding');
  for (let i = headerEnd; i < queueStart; i++) {
    if (bytes[i] !== 0) throw new ProgramFormatError('bad-header', `non-zero padding byte at ${i}`);
  }
  const available = (bytes.byteLength - queueStart) / INSTRUCTION_BYTES;
  let needed = 0;
  for (const n of header.queueLengths) needed += n; // counts are safe integers, and there are few queues
  if (needed > available) {
    throw new ProgramFormatError(
      'truncated',
      `queues need ${needed} instructions, the file holds ${Math.floor(available)}`,
    );
  }
  if (needed < available) {
    throw new ProgramFormatError(
      'bad-queue-length',
      `${bytes.byteLength - queueStart - needed * INSTRUCTION_BYTES} bytes after the last queue`,
    );
  }
  const queues: Uint8Array[] = [];
  let o = queueStart;
  for (const n of header.queueLengths) {
    queues.push(bytes.slice(o, o + n * INSTRUCTION_BYTES));
    o += n * INSTRUCTION_BYTES;
  }
  const { queueLengths: _lengths, ...rest } = header;
  return { ...rest, queues };
}
