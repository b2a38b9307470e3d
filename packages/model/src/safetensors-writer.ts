/**
 * Writes safetensors files: test checkpoints, benchmark weights, dumps for diffing. Tensors are
 * encoded and written one chunk at a time, so a multi-gigabyte file never sits in memory twice.
 */
import * as fs from 'node:fs';
import { DTYPE_SIZE, encodeFromNumbers, type SafetensorsDtype } from './dtype.js';

interface TensorHead {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
}

/**
 * A tensor to write, given one of three ways: `data` (numbers, rounded to the dtype; for I64 also a
 * BigInt64Array), `bytes` (already little-endian in the dtype), or `fill` (called for consecutive
 * chunks of f32 values, so random benchmark weights need no full-size array).
 */
export type WritableTensor =
  | (TensorHead & { readonly data: ArrayLike<number> | BigInt64Array })
  | (TensorHead & { readonly bytes: Uint8Array })
  | (TensorHead & { readonly fill: (out: Float32Array, start: number) => void });

export type WritableTensors = Readonly<Record<string, WritableTensor>> | ReadonlyMap<string, WritableTensor>;

export interface WriteSafetensorsOptions {
  /** String-to-string `__metadata__` (safetensors allows nothing else). */
  readonly metadata?: Readonly<Record<string, string>>;
}

const CHUNK_ELEMENTS = 1 << 20;

/** Writes `tensors` (in the given order) to `path`; returns the file size in bytes. */
export function writeSafetensors(
  path: string,
  tensors: WritableTensors,
  options: WriteSafetensorsOptions = {},
): number {
  const list =
    tensors instanceof Map ? [...tensors] : Object.entries(tensors as Record<string, WritableTensor>);
  // No prototype: a tensor named '__proto__' must become a key, not replace the object's prototype.
  const header: Record<string, unknown> = Object.create(null);
  if (options.metadata !== undefined) header.__metadata__ = { ...options.metadata };
  let offset = 0;
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new RangeError("'__metadata__' is reserved and cannot name a tensor");
    const bytes = tensorByteLength(name, t);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  // Pad the JSON with spaces to a multiple of 8 bytes so the data section starts aligned.
  const text = JSON.stringify(header);
  const textBytes = new TextEncoder().encode(text).length;
  const json = new TextEncoder().encode(text + ' '.repeat((8 - (textBytes % 8)) % 8));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);

  const fd = fs.openSync(path, 'w');
  try {
    writeAll(fd, prefix);
    writeAll(fd, json);
    for (const [, t] of list) writeTensorData(fd, t);
  } finally {
    fs.closeSync(fd);
  }
  return 8 + json.length + offset;
}

/** Byte size of a tensor, checking that the given data has exactly shape-many elements. */
export function tensorByteLength(name: string, t: WritableTensor): number {
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new RangeError(`tensor '${name}': shape [${t.shape.join(', ')}] is not a list of sizes`);
  }
  const count = t.shape.reduce((a, b) => a * b, 1);
  const bytes = count * DTYPE_SIZE[t.dtype];
  const given = 'bytes' in t ? t.bytes.length / DTYPE_SIZE[t.dtype] : 'data' in t ? t.data.length : count; // `fill` always fits
  if (given !== count) {
    throw new RangeError(
      `tensor '${name}': ${t.dtype} [${t.shape.join(', ')}] needs ${count} elements, got ${given}`,
    );
  }
  return bytes;
}

function writeTensorData(fd: number, t: WritableTensor): void {
  if ('bytes' in t) {
    writeAll(fd, t.bytes);
    return;
  }
  if ('data' in t && t.data instanceof BigInt64Array) {
    if (t.dtype !== 'I64') throw new RangeError(`a BigInt64Array can only be written as I64, not ${t.dtype}`);
    writeAll(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    return;
  }
  const count = t.shape.reduce((a, b) => a * b, 1);
  const size = DTYPE_SIZE[t.dtype];
  const scratch = new Uint8Array(Math.min(count, CHUNK_ELEMENTS) * size);
  const values = 'fill' in t ? new Float32Array(Math.min(count, CHUNK_ELEMENTS)) : undefined;
  for (let start = 0; start < count; start += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, count - start);
    const out = scratch.subarray(0, n * size);
    if ('fill' in t) {
      const chunk = values!.subarray(0, n);
      t.fill(chunk, start);
      encodeFromNumbers(t.dtype, chunk, 0, n, out);
    } else {
      encodeFromNumbers(t.dtype, t.data as ArrayLike<number>, start, n, out);
    }
    writeAll(fd, out);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    done += fs.writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30));
  }
}
