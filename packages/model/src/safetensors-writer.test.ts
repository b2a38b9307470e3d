import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { f16BitsToF32Bits, type SafetensorsDtype } from './dtype.js';
import { openSafetensors } from './safetensors-reader.js';
import { type WritableTensor, writeSafetensors } from './safetensors-writer.js';
import { useTempDirs } from './test-helpers.js';

const tempDir = useTempDirs();

const bitsToF32 = (bits: number[]) => new Float32Array(new Uint32Array(bits).buffer);

interface RandomTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  readonly values: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

/** A random tensor whose values are exactly representable in its dtype, and the values to expect. */
const tensorArb = fc
  .tuple(
    fc.constantFrom('BF16', 'F16', 'F32', 'I64', 'I32', 'U8' as const),
    fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
  )
  .chain(([dtype, shape]): fc.Arbitrary<RandomTensor> => {
    const n = shape.reduce((a, b) => a * b, 1);
    const ints = (min: number, max: number) =>
      fc.array(fc.integer({ min, max }), { minLength: n, maxLength: n });
    switch (dtype) {
      case 'BF16':
        return ints(0, 0xffff).map((b) => ({
          dtype,
          shape,
          values: bitsToF32(b.map((x) => (x << 16) >>> 0)),
        }));
      case 'F16':
        return ints(0, 0xffff).map((b) => ({ dtype, shape, values: bitsToF32(b.map(f16BitsToF32Bits)) }));
      case 'F32':
        return ints(0, 0xffffffff).map((b) => ({ dtype, shape, values: bitsToF32(b) }));
      case 'I64':
        return fc
          .array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: n, maxLength: n })
          .map((b) => ({ dtype, shape, values: BigInt64Array.from(b) }));
      case 'I32':
        return ints(-(2 ** 31), 2 ** 31 - 1).map((v) => ({ dtype, shape, values: Int32Array.from(v) }));
      default:
        return ints(0, 255).map((v) => ({ dtype, shape, values: Uint8Array.from(v) }));
    }
  });

describe('writeSafetensors → read', () => {
  it('round-trips random dtypes, shapes, values (NaN payloads included) and metadata', () => {
    const dir = tempDir();
    let run = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), tensorArb), {
          maxLength: 6,
          selector: ([name]) => name,
        }),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })),
        (tensors, metadata) => {
          const list = tensors.filter(([name]) => name !== '__metadata__');
          const file = path.join(dir, `t${run++}.safetensors`);
          const toWrite = new Map<string, WritableTensor>(
            list.map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape, data: t.values }]),
          );
          const size = writeSafetensors(file, toWrite, { metadata });
          expect(fs.statSync(file).size).toBe(size);
          const f = openSafetensors(file);
          expect(f.metadata).toEqual(metadata);
          // Zero-size tensors share an offset, so compare as sets (file order is tested elsewhere).
          const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
          expect(f.list().sort(byName)).toEqual(
            list.map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })).sort(byName),
          );
          for (const [name, t] of list) {
            const got = f.readTyped(name);
            if (t.values instanceof Float32Array) {
              // Compare bits: exactness, including NaN payloads and signed zeros.
              expect(new Uint32Array((got as Float32Array).buffer)).toEqual(new Uint32Array(t.values.buffer));
            } else {
              expect(got).toEqual(t.values);
            }
          }
          f.close();
          fs.rmSync(file);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("writes a tensor named '__proto__' into the header (it was dropped, leaving its bytes unlisted)", () => {
    const file = path.join(tempDir(), 'proto.safetensors');
    writeSafetensors(file, new Map([['__proto__', { dtype: 'U8', shape: [2], data: [1, 2] }]]));
    const f = openSafetensors(file);
    expect(f.list()).toEqual([{ name: '__proto__', dtype: 'U8', shape: [2] }]);
    expect([...f.readTyped('__proto__')]).toEqual([1, 2]);
    f.close();
  });

  it('aligns the data section to 8 bytes, whatever the header length', () => {
    const dir = tempDir();
    for (const name of ['a', 'ab', 'abc', 'é', 'ünïcödé-name']) {
      const file = path.join(dir, 'x.safetensors');
      writeSafetensors(file, { [name]: { dtype: 'U8', shape: [1], data: [7] } });
      const bytes = fs.readFileSync(file);
      const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
      expect(n % 8).toBe(0);
      expect([...openSafetensors(file).readTyped(name)]).toEqual([7]);
    }
  });

  it('rounds f32 data to bf16 and writes generated chunks without a full array', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.safetensors');
    const n = (1 << 20) + 3; // more than one writer chunk
    writeSafetensors(file, {
      rounded: {
        dtype: 'BF16',
        shape: [4],
        data: [1 + 2 ** -9, 1 + 3 * 2 ** -9, 1 + 2 ** -8, 1 + 3 * 2 ** -8],
      },
      generated: {
        dtype: 'F32',
        shape: [n],
        fill: (out, start) => {
          for (let i = 0; i < out.length; i++) out[i] = start + i;
        },
      },
    });
    const f = openSafetensors(file);
    // bf16 keeps 7 mantissa bits: the step at 1 is 2^-7. Below half a step rounds down, above rounds
    // up, and exact halves go to the even mantissa (1 + 2^-8 → 1; 1 + 3·2^-8 → 1 + 2^-6).
    expect([...f.readF32('rounded')]).toEqual([1, 1 + 2 ** -7, 1, 1 + 2 ** -6]);
    const g = f.readF32('generated');
    expect(g[0]).toBe(0);
    expect(g[n - 1]).toBe(n - 1);
    expect(g[(1 << 20) + 1]).toBe((1 << 20) + 1);
    f.close();
  });

  it('refuses data whose length disagrees with the shape, and the reserved name', () => {
    const file = path.join(tempDir(), 'x.safetensors');
    expect(() => writeSafetensors(file, { a: { dtype: 'F32', shape: [2, 2], data: [1, 2, 3] } })).toThrow(
      /needs 4 elements, got 3/,
    );
    expect(() => writeSafetensors(file, { __metadata__: { dtype: 'U8', shape: [0], data: [] } })).toThrow(
      /reserved/,
    );
  });
});
