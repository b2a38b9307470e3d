/**
 * Lazy reader of one safetensors file. Opening reads and validates only the header; tensor data is
 * read on demand through the file handle with positional reads, so listing a 15 GB checkpoint costs
 * a few kilobytes of I/O.
 */
import * as fs from 'node:fs';
import type { TensorInfo } from './checkpoint-types.js';
import { DTYPE_SIZE, decodeToF32, firstNonFinite } from './dtype.js';
import { MissingTensorError, SafetensorsFormatError } from './errors.js';
import {
  headerLengthFromPrefix,
  parseSafetensorsHeader,
  type SafetensorsEntry,
} from './safetensors-header.js';
import type { TensorStore } from './tensor-store.js';

/** Reads go through a scratch buffer of at most this many bytes, so converting never doubles memory. */
const CHUNK_BYTES = 16 * 1024 * 1024;

/** The NaN/Inf scan reads through one reused buffer of this size (a multiple of every float size). */
const SCAN_CHUNK_BYTES = 1024 * 1024;
let scanScratch: Uint8Array | undefined;

/** A tensor in its stored element type: floats widened to f32, integers in their natural array. */
export type TypedTensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

export class SafetensorsFile implements TensorStore {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    readonly fileSize: number,
    readonly metadata: Readonly<Record<string, string>>,
    private readonly entries: ReadonlyMap<string, SafetensorsEntry>,
  ) {
    this.fd = fd;
  }

  /** Opens `path` and validates its header; throws SafetensorsFormatError for a malformed file. */
  static open(path: string): SafetensorsFile {
    const fd = fs.openSync(path, 'r');
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) {
        // Opening a directory succeeds on Linux; the first read would fail with a bare EISDIR.
        throw new SafetensorsFormatError(
          path,
          'not-a-file',
          `is a ${stat.isDirectory() ? 'directory' : 'special file'}, not a safetensors file; ` +
            'put the weights file itself at this path',
        );
      }
      const fileSize = stat.size;
      const prefix = new Uint8Array(8);
      const got = fileSize >= 8 ? readFully(fd, prefix, 0, path) : 0;
      const headerLength = headerLengthFromPrefix(prefix.subarray(0, got), fileSize, path);
      const json = new Uint8Array(headerLength);
      readFully(fd, json, 8, path);
      const header = parseSafetensorsHeader(json, fileSize, path);
      return new SafetensorsFile(path, fd, fileSize, header.metadata, header.entries);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  get location(): string {
    return this.path;
  }

  fileOf(name: string): string {
    this.entry(name);
    return this.path;
  }

  /** Every tensor, in the order of their data in the file. */
  list(): TensorInfo[] {
    return [...this.entries.values()].map(({ name, dtype, shape }) => ({ name, dtype, shape }));
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  info(name: string): TensorInfo {
    const { dtype, shape } = this.entry(name);
    return { name, dtype, shape };
  }

  /** The tensor's raw little-endian bytes. */
  readBytes(name: string): Uint8Array {
    const e = this.entry(name);
    const out = new Uint8Array(e.byteLength);
    readFully(this.handle(), out, e.fileOffset, this.path);
    return out;
  }

  /** The tensor as f32: bf16/f16 widen exactly, integers round to the nearest f32. */
  readF32(name: string): Float32Array {
    const e = this.entry(name);
    const size = DTYPE_SIZE[e.dtype];
    const count = e.byteLength / size;
    const out = new Float32Array(count);
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / size));
    const scratch = new Uint8Array(Math.min(e.byteLength, perChunk * size));
    for (let first = 0; first < count; first += perChunk) {
      const n = Math.min(perChunk, count - first);
      const chunk = scratch.subarray(0, n * size);
      readFully(this.handle(), chunk, e.fileOffset + first * size, this.path);
      decodeToF32(e.dtype, chunk, n, out, first);
    }
    return out;
  }

  /**
   * Flat index of the tensor's first NaN or ±Inf element, or -1 when every element is finite (always
   * -1 for integer tensors). Reads the raw bits in chunks and never widens them, so it costs a read.
   */
  findNonFinite(name: string): number {
    const e = this.entry(name);
    if (e.dtype !== 'BF16' && e.dtype !== 'F16' && e.dtype !== 'F32') return -1;
    const size = DTYPE_SIZE[e.dtype];
    const count = e.byteLength / size;
    const perChunk = SCAN_CHUNK_BYTES / size;
    // One small buffer for every scan: touching fresh memory (page faults) costs more than the reads.
    scanScratch ??= new Uint8Array(SCAN_CHUNK_BYTES);
    for (let first = 0; first < count; first += perChunk) {
      const n = Math.min(perChunk, count - first);
      const chunk = scanScratch.subarray(0, n * size);
      readFully(this.handle(), chunk, e.fileOffset + first * size, this.path);
      const at = firstNonFinite(e.dtype, chunk, n);
      if (at >= 0) return first + at;
    }
    return -1;
  }

  /** The tensor in its own element type (I64 as BigInt64Array, so ids beyond 2^24 stay exact). */
  readTyped(name: string): TypedTensorData {
    const e = this.entry(name);
    switch (e.dtype) {
      case 'BF16':
      case 'F16':
      case 'F32':
        return this.readF32(name);
      case 'I64':
        return new BigInt64Array(this.readBytes(name).buffer);
      case 'I32':
        return new Int32Array(this.readBytes(name).buffer);
      case 'U8':
        return this.readBytes(name);
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private entry(name: string): SafetensorsEntry {
    const e = this.entries.get(name);
    if (e === undefined) throw new MissingTensorError(name, undefined, this.path);
    return e;
  }

  private handle(): number {
    if (this.fd === undefined) throw new Error(`${this.path}: read after close()`);
    return this.fd;
  }
}

/** Opens a safetensors file lazily (alias of SafetensorsFile.open). */
export function openSafetensors(path: string): SafetensorsFile {
  return SafetensorsFile.open(path);
}

/** Fills `out` from `position`; a short read means the file shrank or lied about its size. */
function readFully(fd: number, out: Uint8Array, position: number, path: string): number {
  let done = 0;
  while (done < out.length) {
    // readSync caps one call at 2 GB; loop so that tensors of any size work.
    const want = Math.min(out.length - done, 1 << 30);
    const n = fs.readSync(fd, out, done, want, position + done);
    if (n === 0) {
      throw new SafetensorsFormatError(
        path,
        'truncated',
        `unexpected end of file at byte ${position + done} (wanted ${out.length - done} more)`,
      );
    }
    done += n;
  }
  return done;
}
