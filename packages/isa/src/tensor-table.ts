/**
 * The tensor table as the GPU reads it: one 32-byte descriptor per tensor id, little-endian.
 * Layout (mirrored by `struct TensorDesc` in the generated C++ header):
 *   0 u64 byteOffset · 8 u8 region · 9 u8 dtype · 10 u8 rank · 11 u8 flags · 12 u32 shape[4] · 28 u32 pad.
 * flags bit 0: the tensor has a token axis (prefill; token-axis.ts), so a per-token op sees its row.
 * Dimensions past `rank` are stored as 1 so the element count is always the product of all four.
 */
import { FieldRangeError } from './errors.js';
import type { TensorDtype, TensorEntry, TensorRegion } from './program-types.js';

export const TENSOR_DESC_BYTES = 32;
export const TENSOR_MAX_RANK = 4;

export const DTYPE_CODES: Readonly<Record<TensorDtype, number>> = { f32: 0, bf16: 1, f16: 2, i32: 3, u32: 4 };
export const REGION_CODES: Readonly<Record<TensorRegion, number>> = { weights: 0, state: 1 };

/** Descriptor flag bits (byte 11). */
export const TENSOR_FLAG_TOKEN_AXIS = 0x01;

export interface TensorDescField {
  readonly name: string;
  readonly offset: number;
  readonly cType: string;
  readonly doc: string;
}

/** The descriptor's fields, for the C++ generator and the docs. */
export const TENSOR_DESC_FIELDS: readonly TensorDescField[] = [
  { name: 'byteOffset', offset: 0, cType: 'uint64_t', doc: 'bytes from the start of the arena' },
  { name: 'region', offset: 8, cType: 'uint8_t', doc: 'REGION_* code: which arena' },
  { name: 'dtype', offset: 9, cType: 'uint8_t', doc: 'DTYPE_* code' },
  { name: 'rank', offset: 10, cType: 'uint8_t', doc: 'number of meaningful dims, 0-4' },
  {
    name: 'flags',
    offset: 11,
    cType: 'uint8_t',
    doc: 'TENSOR_FLAG_* bits: TOKEN_AXIS (1) = a prefill token axis, row t per token',
  },
  { name: 'shape', offset: 12, cType: 'uint32_t[4]', doc: 'dims, outermost first; 1 past rank' },
  { name: 'pad1', offset: 28, cType: 'uint32_t', doc: 'zero' },
];

const U32_MAX = 0xffffffff;

/** Encodes `tensors` (tensors[i].id must be i) as consecutive 32-byte descriptors. */
export function encodeTensorTable(tensors: readonly TensorEntry[]): Uint8Array {
  const out = new Uint8Array(tensors.length * TENSOR_DESC_BYTES);
  const view = new DataView(out.buffer);
  tensors.forEach((t, i) => {
    const where = `tensors[${i}]`;
    if (t.id !== i) throw new FieldRangeError(`${where}.id`, t.id, `${i} (ids are table positions)`);
    if (!Number.isSafeInteger(t.byteOffset) || t.byteOffset < 0) {
      throw new FieldRangeError(`${where}.byteOffset`, t.byteOffset, 'a non-negative safe integer');
    }
    if (t.shape.length > TENSOR_MAX_RANK) {
      throw new FieldRangeError(`${where}.shape`, t.shape.length, `a rank <= ${TENSOR_MAX_RANK}`);
    }
    const dtype = DTYPE_CODES[t.dtype];
    const region = REGION_CODES[t.region];
    if (dtype === undefined) throw new FieldRangeError(`${where}.dtype`, t.dtype, 'a known dtype');
    if (region === undefined) throw new FieldRangeError(`${where}.region`, t.region, 'a known region');
    const o = i * TENSOR_DESC_BYTES;
    view.setBigUint64(o, BigInt(t.byteOffset), true);
    view.setUint8(o + 8, region);
    view.setUint8(o + 9, dtype);
    view.setUint8(o + 10, t.shape.length);
    view.setUint8(o + 11, t.tokenAxis ? TENSOR_FLAG_TOKEN_AXIS : 0);
    for (let d = 0; d < TENSOR_MAX_RANK; d++) {
      const dim = d < t.shape.length ? t.shape[d]! : 1;
      if (!Number.isInteger(dim) || dim < 0 || dim > U32_MAX) {
        throw new FieldRangeError(`${where}.shape[${d}]`, dim, 'an integer in [0, 2^32)');
      }
      view.setUint32(o + 12 + 4 * d, dim, true);
    }
  });
  return out;
}
