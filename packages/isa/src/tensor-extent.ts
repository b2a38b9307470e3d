/** How many elements and bytes a tensor-table entry spans: the unit of every bounds check. */
import { DTYPE_BYTES, type TensorEntry } from './program-types.js';

export function tensorElementCount(t: Pick<TensorEntry, 'shape'>): number {
  let n = 1;
  for (const d of t.shape) n *= d;
  return n;
}

export function tensorByteLength(t: Pick<TensorEntry, 'shape' | 'dtype'>): number {
  return tensorElementCount(t) * DTYPE_BYTES[t.dtype];
}
