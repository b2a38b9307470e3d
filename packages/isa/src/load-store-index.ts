/**
 * LoadStoreIndex: the seeds' 16-byte operand descriptor (prior-art A.8), kept byte-compatible for
 * tools that exchange tensor addresses with the seed code. No instruction of this ISA embeds one
 * (instructions name tensors by table id); it remains a self-contained record:
 *   0 u8 tensorId · 1 u8 gpuId · 2 u8 dtype · 3 u8 operation · 4 u16 idx0 · 6 u16 idx1 · 8 u32 idx2 · 12 u32 idx3.
 */
import { FieldRangeError, ProgramFormatError } from './errors.js';

export const LOAD_STORE_INDEX_BYTES = 16;

/** The seeds' dtype codes (not the tensor-table codes: these include fp8 and int8). */
export const LSI_DTYPE_CODES = { f32: 0, bf16: 1, f16: 2, e5m2: 3, e4m3: 4, i8: 5, i32: 6 } as const;
export const LSI_OPERATION_CODES = {
  load: 0,
  store: 1,
  add: 2,
  subtract: 3,
  atomicAdd: 4,
  atomicMax: 5,
} as const;
export type LsiDtype = keyof typeof LSI_DTYPE_CODES;
export type LsiOperation = keyof typeof LSI_OPERATION_CODES;

const LSI_ELEMENT_BYTES: Readonly<Record<LsiDtype, number>> = {
  f32: 4,
  bf16: 2,
  f16: 2,
  e5m2: 1,
  e4m3: 1,
  i8: 1,
  i32: 4,
};

export interface LoadStoreIndex {
  readonly tensorId: number;
  readonly gpuId: number;
  readonly dtype: LsiDtype;
  readonly operation: LsiOperation;
  readonly idx0: number;
  readonly idx1: number;
  readonly idx2: number;
  readonly idx3: number;
}

const LSI_INT_FIELDS = [
  ['tensorId', 0, 0xff],
  ['gpuId', 1, 0xff],
  ['idx0', 4, 0xffff],
  ['idx1', 6, 0xffff],
  ['idx2', 8, 0xffffffff],
  ['idx3', 12, 0xffffffff],
] as const;

export function encodeLoadStoreIndex(x: LoadStoreIndex): Uint8Array {
  const out = new Uint8Array(LOAD_STORE_INDEX_BYTES);
  const view = new DataView(out.buffer);
  for (const [name, offset, max] of LSI_INT_FIELDS) {
    const v = x[name];
    if (!Number.isInteger(v) || v < 0 || v > max)
      throw new FieldRangeError(name, v, `an integer in [0, ${max}]`);
    if (max === 0xff) view.setUint8(offset, v);
    else if (max === 0xffff) view.setUint16(offset, v, true);
    else view.setUint32(offset, v, true);
  }
  const dtype = LSI_DTYPE_CODES[x.dtype];
  const operation = LSI_OPERATION_CODES[x.operation];
  if (dtype === undefined) throw new FieldRangeError('dtype', x.dtype, 'a LoadStoreIndex dtype');
  if (operation === undefined)
    throw new FieldRangeError('operation', x.operation, 'a LoadStoreIndex operation');
  view.setUint8(2, dtype);
  view.setUint8(3, operation);
  return out;
}

const keyOf = <K extends string>(codes: Readonly<Record<K, number>>, code: number): K | undefined =>
  (Object.keys(codes) as K[]).find((k) => codes[k] === code);

export function decodeLoadStoreIndex(bytes: Uint8Array, offset = 0): LoadStoreIndex {
  if (offset < 0 || bytes.byteLength - offset < LOAD_STORE_INDEX_BYTES) {
    throw new ProgramFormatError('truncated', `a LoadStoreIndex needs 16 bytes at offset ${offset}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, LOAD_STORE_INDEX_BYTES);
  const dtype = keyOf(LSI_DTYPE_CODES, view.getUint8(2));
  const operation = keyOf(LSI_OPERATION_CODES, view.getUint8(3));
  if (dtype === undefined)
    throw new FieldRangeError('dtype', view.getUint8(2), 'a LoadStoreIndex dtype code (0-6)');
  if (operation === undefined) {
    throw new FieldRangeError('operation', view.getUint8(3), 'a LoadStoreIndex operation code (0-5)');
  }
  return {
    tensorId: view.getUint8(0),
    gpuId: view.getUint8(1),
    dtype,
    operation,
    idx0: view.getUint16(4, true),
    idx1: view.getUint16(6, true),
    idx2: view.getUint32(8, true),
    idx3: view.getUint32(12, true),
  };
}

export function loadStoreElementBytes(dtype: LsiDtype): number {
  return LSI_ELEMENT_BYTES[dtype];
}

/**
 * Row-major element offset of (idx0, idx1, idx2, idx3) in a tensor of dims [d0, d1, d2, d3]:
 * ((idx0·d1 + idx1)·d2 + idx2)·d3 + idx3. Throws FieldRangeError when an index is outside its dim.
 */
export function loadStoreLinearOffset(
  x: Pick<LoadStoreIndex, 'idx0' | 'idx1' | 'idx2' | 'idx3'>,
  dims: readonly [number, number, number, number],
): number {
  const idx = [x.idx0, x.idx1, x.idx2, x.idx3];
  let off = 0;
  for (let i = 0; i < 4; i++) {
    if (idx[i]! >= dims[i]!) throw new FieldRangeError(`idx${i}`, idx[i], `below dim ${i} (${dims[i]})`);
    off = off * dims[i]! + idx[i]!;
  }
  return off;
}
