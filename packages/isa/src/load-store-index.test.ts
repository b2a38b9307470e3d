import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldRangeError, ProgramFormatError } from './errors.js';
import {
  decodeLoadStoreIndex,
  encodeLoadStoreIndex,
  type LoadStoreIndex,
  LSI_DTYPE_CODES,
  LSI_OPERATION_CODES,
  type LsiDtype,
  type LsiOperation,
  loadStoreElementBytes,
  loadStoreLinearOffset,
} from './load-store-index.js';

const arbLsi: fc.Arbitrary<LoadStoreIndex> = fc.record({
  tensorId: fc.integer({ min: 0, max: 255 }),
  gpuId: fc.integer({ min: 0, max: 255 }),
  dtype: fc.constantFrom(...(Object.keys(LSI_DTYPE_CODES) as LsiDtype[])),
  operation: fc.constantFrom(...(Object.keys(LSI_OPERATION_CODES) as LsiOperation[])),
  idx0: fc.integer({ min: 0, max: 0xffff }),
  idx1: fc.integer({ min: 0, max: 0xffff }),
  idx2: fc.integer({ min: 0, max: 0xffffffff }),
  idx3: fc.integer({ min: 0, max: 0xffffffff }),
});

describe('LoadStoreIndex', () => {
  it('is 16 bytes in the seed layout (bytes written by hand)', () => {
    const bytes = encodeLoadStoreIndex({
      tensorId: 7,
      gpuId: 1,
      dtype: 'bf16',
      operation: 'atomicAdd',
      idx0: 0x0102,
      idx1: 0x0304,
      idx2: 0x05060708,
      idx3: 0x090a0b0c,
    });
    expect(Array.from(bytes)).toEqual([7, 1, 1, 4, 2, 1, 4, 3, 8, 7, 6, 5, 0x0c, 0x0b, 0x0a, 9]);
  });

  it('round-trips (property)', () => {
    fc.assert(
      fc.property(arbLsi, (x) => {
        expect(decodeLoadStoreIndex(encodeLoadStoreIndex(x))).toEqual(x);
      }),
    );
  });

  it('rejects out-of-range fields, unknown codes and short input with named errors', () => {
    const ok: LoadStoreIndex = {
      tensorId: 0,
      gpuId: 0,
      dtype: 'f32',
      operation: 'load',
      idx0: 0,
      idx1: 0,
      idx2: 0,
      idx3: 0,
    };
    expect(() => encodeLoadStoreIndex({ ...ok, tensorId: 256 })).toThrow(FieldRangeError);
    expect(() => encodeLoadStoreIndex({ ...ok, idx1: 65536 })).toThrow(FieldRangeError);
    expect(() => encodeLoadStoreIndex({ ...ok, idx3: -1 })).toThrow(FieldRangeError);
    const bytes = encodeLoadStoreIndex(ok);
    bytes[2] = 7;
    expect(() => decodeLoadStoreIndex(bytes)).toThrow(FieldRangeError);
    bytes[2] = 0;
    bytes[3] = 6;
    expect(() => decodeLoadStoreIndex(bytes)).toThrow(FieldRangeError);
    expect(() => decodeLoadStoreIndex(new Uint8Array(15))).toThrow(ProgramFormatError);
  });

  it('has the seed element sizes and linear offset (the seed test expects 119)', () => {
    expect(
      ['f32', 'bf16', 'f16', 'e5m2', 'e4m3', 'i8', 'i32'].map((d) => loadStoreElementBytes(d as LsiDtype)),
    ).toEqual([4, 2, 2, 1, 1, 1, 4]);
    expect(loadStoreLinearOffset({ idx0: 1, idx1: 2, idx2: 3, idx3: 4 }, [2, 3, 4, 5])).toBe(119);
    expect(() => loadStoreLinearOffset({ idx0: 2, idx1: 0, idx2: 0, idx3: 0 }, [2, 3, 4, 5])).toThrow(
      FieldRangeError,
    );
  });
});
