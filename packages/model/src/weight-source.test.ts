import * as path from 'node:path';
import type { WeightSource } from '@megakernel/isa';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MissingTensorError, WeightSourceError } from './errors.js';
import { openSafetensors } from './safetensors-reader.js';
import { writeSafetensors } from './safetensors-writer.js';
import { useTempDirs } from './test-helpers.js';
import { materializeWeightSource, type TensorReader, weightSourceShape } from './weight-source.js';

const tempDir = useTempDirs();
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** w = [[0,1,2],[3,4,5],[6,7,8],[9,10,11]], c = [[20,21,22],[23,24,25]], b = [10..13], r = 0..7. */
let reader: TensorReader;
beforeAll(() => {
  const file = path.join(tempDir(), 'w.safetensors');
  writeSafetensors(file, {
    w: { dtype: 'F32', shape: [4, 3], data: range(12) },
    c: { dtype: 'BF16', shape: [2, 3], data: range(6, 20) },
    b: { dtype: 'F16', shape: [4], data: range(4, 10) },
    r: { dtype: 'F32', shape: [8], data: range(8) },
    r2: { dtype: 'F32', shape: [8, 2], data: range(16) },
  });
  const f = openSafetensors(file);
  // Only the two Checkpoint methods: exercises the listTensors() path for shapes.
  reader = { listTensors: () => f.list(), readTensor: (n) => f.readF32(n) };
});

const t = (name: string): WeightSource => ({ kind: 'tensor', name });
const values = (s: WeightSource) => [...materializeWeightSource(reader, s)];

describe('materializeWeightSource', () => {
  it('tensor: the checkpoint tensor as f32', () => {
    expect(values(t('c'))).toEqual(range(6, 20));
    expect(weightSourceShape(reader, t('c'))).toEqual([2, 3]);
  });

  it('transpose: [in, out] → [out, in]', () => {
    expect(values({ kind: 'transpose', name: 'w' })).toEqual([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
    expect(weightSourceShape(reader, { kind: 'transpose', name: 'w' })).toEqual([3, 4]);
  });

  it('rows: a row range of a matrix, or elements of a vector', () => {
    expect(values({ kind: 'rows', source: t('w'), start: 1, count: 2 })).toEqual([3, 4, 5, 6, 7, 8]);
    expect(values({ kind: 'rows', source: t('b'), start: 1, count: 2 })).toEqual([11, 12]);
    const fromTranspose: WeightSource = {
      kind: 'rows',
      source: { kind: 'transpose', name: 'w' },
      start: 2,
      count: 1,
    };
    expect(values(fromTranspose)).toEqual([2, 5, 8, 11]);
    expect(weightSourceShape(reader, fromTranspose)).toEqual([1, 4]);
  });

  it('concat: parts stacked by rows, each with its own transform', () => {
    const s: WeightSource = {
      kind: 'concat',
      parts: [t('c'), { kind: 'rows', source: t('w'), start: 3, count: 1 }],
    };
    expect(values(s)).toEqual([20, 21, 22, 23, 24, 25, 9, 10, 11]);
    expect(weightSourceShape(reader, s)).toEqual([3, 3]);
    expect(values({ kind: 'concat', parts: [t('b'), t('b')] })).toEqual([10, 11, 12, 13, 10, 11, 12, 13]);
  });

  it('rope-permute: rotate-half rows of each head become interleaved; rows past rotaryDim stay', () => {
    // 2 heads × 4 dims, all rotary: [x0 x1 x2 x3] → [x0 x2 x1 x3].
    expect(values({ kind: 'rope-permute', source: t('r'), heads: 2, headDim: 4, rotaryDim: 4 })).toEqual([
      0, 2, 1, 3, 4, 6, 5, 7,
    ]);
    // 1 head × 8 dims, 6 rotary: [x0..x5] → [x0 x3 x1 x4 x2 x5], x6 and x7 unchanged.
    expect(values({ kind: 'rope-permute', source: t('r'), heads: 1, headDim: 8, rotaryDim: 6 })).toEqual([
      0, 3, 1, 4, 2, 5, 6, 7,
    ]);
    // 2-D: whole rows move.
    expect(values({ kind: 'rope-permute', source: t('r2'), heads: 2, headDim: 4, rotaryDim: 4 })).toEqual([
      0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15,
    ]);
  });

  it('shapes come from headers alone (no tensor is read)', () => {
    const headersOnly: TensorReader = {
      listTensors: reader.listTensors,
      readTensor: () => {
        throw new Error('read');
      },
    };
    const s: WeightSource = {
      kind: 'rope-permute',
      source: { kind: 'transpose', name: 'w' },
      heads: 1,
      headDim: 3,
      rotaryDim: 2,
    };
    expect(weightSourceShape(headersOnly, s)).toEqual([3, 4]);
  });

  it('bad sources are named errors', () => {
    expect(() => values({ kind: 'rows', source: t('w'), start: 3, count: 2 })).toThrow(WeightSourceError);
    expect(() => values({ kind: 'transpose', name: 'b' })).toThrow(WeightSourceError);
    expect(() => values({ kind: 'concat', parts: [t('w'), t('b')] })).toThrow(WeightSourceError);
    expect(() => values({ kind: 'concat', parts: [] })).toThrow(WeightSourceError);
    expect(() =>
      values({ kind: 'rope-permute', source: t('r'), heads: 3, headDim: 4, rotaryDim: 4 }),
    ).toThrow(WeightSourceError);
    expect(() =>
      values({ kind: 'rope-permute', source: t('r'), heads: 2, headDim: 4, rotaryDim: 3 }),
    ).toThrow(WeightSourceError);
    expect(() => values(t('missing'))).toThrow(MissingTensorError);
  });
});

describe('rope-permute matches the two RoPE layouts', () => {
  /** Hugging Face rotate-half RoPE on one head: dimension i pairs with i + rot/2. */
  const rotateHalf = (x: number[], rot: number, cos: number[], sin: number[]) => {
    const out = [...x];
    const h = rot / 2;
    for (let i = 0; i < h; i++) {
      out[i] = x[i]! * cos[i]! - x[i + h]! * sin[i]!;
      out[i + h] = x[i + h]! * cos[i]! + x[i]! * sin[i]!;
    }
    return out;
  };
  /** Interleaved RoPE: dimension 2i pairs with 2i + 1. */
  const interleaved = (y: number[], rot: number, cos: number[], sin: number[]) => {
    const out = [...y];
    for (let i = 0; i < rot / 2; i++) {
      out[2 * i] = y[2 * i]! * cos[i]! - y[2 * i + 1]! * sin[i]!;
      out[2 * i + 1] = y[2 * i + 1]! * cos[i]! + y[2 * i]! * sin[i]!;
    }
    return out;
  };

  /** One head's vector through a rope-permute source, from an in-memory reader. */
  const permute = (v: number[], rot: number): number[] => {
    const memory: TensorReader = {
      listTensors: () => [{ name: 'x', dtype: 'F32', shape: [v.length] }],
      readTensor: () => new Float32Array(v),
    };
    const source: WeightSource = {
      kind: 'rope-permute',
      source: t('x'),
      heads: 1,
      headDim: v.length,
      rotaryDim: rot,
    };
    return [...materializeWeightSource(memory, source)];
  };

  it('interleaved RoPE of permuted rows = permuted rotate-half RoPE of the original rows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer(),
        (half, extra, seed) => {
          const rot = 2 * half;
          const x = range(rot + extra).map((i) => Math.fround(Math.sin(seed + 3 * i)));
          const cos = range(half).map((i) => Math.cos(0.3 * (i + 1)));
          const sin = range(half).map((i) => Math.sin(0.3 * (i + 1)));
          const lhs = interleaved(permute(x, rot), rot, cos, sin);
          const rhs = permute(rotateHalf(x, rot, cos, sin).map(Math.fround), rot);
          expect(lhs.map(Math.fround)).toEqual(rhs);
        },
      ),
      { numRuns: 200 },
    );
  });
});
