import { describe, expect, it } from 'vitest';
import { FieldRangeError } from './errors.js';
import type { TensorEntry } from './program-types.js';
import { tensorByteLength, tensorElementCount } from './tensor-extent.js';
import { encodeTensorTable } from './tensor-table.js';

const entry = (over: Partial<TensorEntry> = {}): TensorEntry => ({
  id: 0,
  name: 'x',
  dtype: 'bf16',
  shape: [3, 5],
  region: 'state',
  byteOffset: 0x1_0000_0040,
  ...over,
});

describe('tensor table', () => {
  it('writes 32-byte descriptors (bytes written by hand)', () => {
    const bytes = encodeTensorTable([entry()]);
    const want = new Uint8Array(32);
    want.set([0x40, 0, 0, 0, 1, 0, 0, 0], 0); // u64 byteOffset 2^32 + 64
    want.set([1, 1, 2, 0], 8); // region state, dtype bf16, rank 2, pad
    want.set([3, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], 12); // shape, 1 past rank
    expect(Array.from(bytes)).toEqual(Array.from(want));
  });

  it('marks a token-axis tensor in the flags byte', () => {
    const bytes = encodeTensorTable([entry({ tokenAxis: true }), entry({ id: 1 })]);
    expect(bytes[11]).toBe(1);
    expect(bytes[32 + 11]).toBe(0);
  });

  it('rejects what the descriptor cannot hold', () => {
    expect(() => encodeTensorTable([entry({ id: 1 })])).toThrow(FieldRangeError);
    expect(() => encodeTensorTable([entry({ shape: [1, 1, 1, 1, 1] })])).toThrow(FieldRangeError);
    expect(() => encodeTensorTable([entry({ shape: [2 ** 32] })])).toThrow(FieldRangeError);
    expect(() => encodeTensorTable([entry({ byteOffset: -16 })])).toThrow(FieldRangeError);
    expect(() => encodeTensorTable([entry({ dtype: 'f64' as 'f32' })])).toThrow(FieldRangeError);
  });

  it('counts elements and bytes; a scalar has one element', () => {
    expect(tensorElementCount({ shape: [2, 8, 4, 64] })).toBe(4096);
    expect(tensorByteLength({ shape: [3, 5], dtype: 'bf16' })).toBe(30);
    expect(tensorByteLength({ shape: [], dtype: 'u32' })).toBe(4);
    expect(tensorElementCount({ shape: [7, 0] })).toBe(0);
  });
});
