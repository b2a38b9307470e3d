/**
 * The safetensors header: an 8-byte little-endian u64 length N, then N bytes of JSON mapping tensor
 * names to {dtype, shape, data_offsets} (plus an optional string map `__metadata__`), then the data.
 * This file validates a header completely against the file size; nothing here touches tensor data.
 */
import type { TensorInfo } from './checkpoint-types.js';
import { DTYPE_SIZE, isSafetensorsDtype, type SafetensorsDtype } from './dtype.js';
import { SafetensorsFormatError } from './errors.js';

/** Headers larger than this are refused before anything is allocated (real ones are well under 1 MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface SafetensorsEntry extends TensorInfo {
  readonly dtype: SafetensorsDtype;
  /** Absolute byte offset of the tensor's data in the file. */
  readonly fileOffset: number;
  readonly byteLength: number;
}

export interface SafetensorsHeader {
  /** Where the data section starts (8 + header length). */
  readonly dataStart: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** In file (data offset) order. */
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
}

/**
 * Reads the u64 header length from the first 8 bytes and checks it against the file size, so that a
 * hostile length is rejected before a buffer of that size is ever allocated.
 */
export function headerLengthFromPrefix(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw new SafetensorsFormatError(
      file,
      'truncated',
      `file is ${fileSize} bytes, shorter than the 8-byte length`,
    );
  }
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(fileSize - 8)) {
    throw new SafetensorsFormatError(
      file,
      'header-length',
      `header length ${length} runs past the end of the ${fileSize}-byte file`,
    );
  }
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsFormatError(
      file,
      'header-length',
      `header length ${length} exceeds ${MAX_HEADER_BYTES}`,
    );
  }
  if (length < 2n)
    throw new SafetensorsFormatError(file, 'header-length', `header length ${length} is too small`);
  return Number(length);
}

/** Parses and validates the JSON header (`json` = the N header bytes) of a file of `fileSize` bytes. */
export function parseSafetensorsHeader(json: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
  const dataStart = 8 + json.length;
  const dataSize = fileSize - dataStart;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    throw new SafetensorsFormatError(
      file,
      'header-json',
      `header is not UTF-8 JSON (${(e as Error).message})`,
    );
  }
  if (!isPlainObject(parsed))
    throw new SafetensorsFormatError(file, 'header-json', 'header is not a JSON object');

  let metadata: Record<string, string> = {};
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, value] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(value, file);
      continue;
    }
    const entry = parseEntry(name, value, dataStart, dataSize, file);
    entries.set(name, entry);
  }
  checkExactCoverage(entries, dataStart, dataSize, file);
  // File order, not JSON key order: JavaScript objects move integer-like keys ("0") to the front.
  const inFileOrder = [...entries.values()].sort((a, b) => a.fileOffset - b.fileOffset);
  return { dataStart, metadata, entries: new Map(inFileOrder.map((e) => [e.name, e])) };
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  if (!isPlainObject(value))
    throw new SafetensorsFormatError(file, 'metadata', '__metadata__ is not an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new SafetensorsFormatError(file, 'metadata', `__metadata__.${k} is not a string`);
    }
    out[k] = v;
  }
  return out;
}

function parseEntry(
  name: string,
  value: unknown,
  dataStart: number,
  dataSize: number,
  file: string,
): SafetensorsEntry {
  if (!isPlainObject(value))
    throw new SafetensorsFormatError(file, 'header-json', 'entry is not an object', name);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !isSafetensorsDtype(dtype)) {
    throw new SafetensorsFormatError(
      file,
      'unsupported-dtype',
      `dtype ${JSON.stringify(dtype)} is not one of ${Object.keys(DTYPE_SIZE).join(', ')}`,
      name,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isSize)) {
    throw new SafetensorsFormatError(
      file,
      'shape',
      `shape ${JSON.stringify(shape)} is not a list of sizes`,
      name,
    );
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
    throw new SafetensorsFormatError(
      file,
      'offsets-out-of-range',
      `data_offsets ${JSON.stringify(offsets)} is not [begin, end]`,
      name,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataSize) {
    throw new SafetensorsFormatError(
      file,
      'offsets-out-of-range',
      begin > end
        ? `data_offsets [${begin}, ${end}] begin after end`
        : `data_offsets [${begin}, ${end}] run past the ${dataSize}-byte data section (out of range or file truncated)`,
      name,
    );
  }
  // Multiply step by step so that an absurd shape cannot overflow into an accidental match.
  let expected = DTYPE_SIZE[dtype];
  for (const d of shape as number[]) {
    expected *= d;
    if (!Number.isSafeInteger(expected)) break;
  }
  if (expected !== end - begin) {
    throw new SafetensorsFormatError(
      file,
      'size-mismatch',
      `${dtype} [${shape.join(', ')}] needs ${expected} bytes, data_offsets span ${end - begin}`,
      name,
    );
  }
  return {
    name,
    dtype,
    shape: [...(shape as number[])],
    fileOffset: dataStart + begin,
    byteLength: end - begin,
  };
}

/**
 * Offsets may come in any order, but sorted by start the tensors must tile the data section exactly:
 * the first begins at 0, each begins where the previous ends (no gap, no overlap), the last ends at the
 * end of the file (no trailing bytes). The reference implementation refuses the same files; a header
 * length one byte short, for one, shifts every tensor and leaves a stray byte, and must not load.
 */
function checkExactCoverage(
  entries: ReadonlyMap<string, SafetensorsEntry>,
  dataStart: number,
  dataSize: number,
  file: string,
): void {
  const sorted = [...entries.values()].sort(
    (a, b) => a.fileOffset - b.fileOffset || a.byteLength - b.byteLength,
  );
  let end = 0;
  let prev: SafetensorsEntry | undefined;
  for (const cur of sorted) {
    const begin = cur.fileOffset - dataStart;
    if (begin < end) {
      throw new SafetensorsFormatError(
        file,
        'offsets-overlap',
        `data_offsets [${begin}, ${begin + cur.byteLength}] overlap tensor '${prev?.name}' (which ends at ${end})`,
        cur.name,
      );
    }
    if (begin > end) {
      throw new SafetensorsFormatError(
        file,
        'offsets-gap',
        `data_offsets begin at ${begin}, leaving bytes [${end}, ${begin}) of the data section unused ` +
          `(${prev === undefined ? 'before the first tensor' : `after tensor '${prev.name}'`}); the file is corrupt or the header length is wrong`,
        cur.name,
      );
    }
    end = begin + cur.byteLength;
    prev = cur;
  }
  if (end !== dataSize) {
    throw new SafetensorsFormatError(
      file,
      'trailing-bytes',
      `${dataSize - end} bytes follow the last tensor's data (the data section is ${dataSize} bytes, ` +
        `the tensors cover ${end}); the file is corrupt or the header length is wrong`,
    );
  }
}

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
