import { describe, expect, it } from 'vitest';
import { accessElementCount, attentionChunkRows, boxIntervals, instructionAccesses } from './access-model.js';
import { makeInstruction, Op, type TensorEntry } from './index.js';

const tensor = (
  id: number,
  name: string,
  shape: number[],
  region: 'weights' | 'state' = 'state',
): TensorEntry => ({
  id,
  name,
  dtype: region === 'weights' ? 'bf16' : 'f32',
  shape,
  region,
  byteOffset: 0,
});

describe('accesses', () => {
  it('flattens boxes into merged runs', () => {
    expect(boxIntervals([2, 4, 3, 8], [0, 1, 1, 0], [2, 3, 2, 8])).toEqual([
      32, 40, 56, 64, 128, 136, 152, 160,
    ]);
    expect(boxIntervals([4, 8], [1, 0], [3, 8])).toEqual([8, 24]);
    expect(boxIntervals([2, 1, 1, 8], [0, 0, 0, 0], [2, 1, 1, 8])).toEqual([0, 16]);
  });

  it('splits the visible keys into chunks as ISA.md defines (floor split, window)', () => {
    const rows = (pos: number, window: number, chunks: number) =>
      Array.from({ length: chunks }, (_, c) => attentionChunkRows(pos, window, c, chunks));
    expect(rows(9, 0, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 10],
    ]);
    expect(rows(9, 4, 2)).toEqual([
      [6, 8],
      [8, 10],
    ]);
    expect(rows(0, 0, 2)).toEqual([
      [0, 0],
      [0, 1],
    ]);
  });

  it('maps a QKV tile to its Q rows, its K row slice at pos, and the RoPE row', () => {
    const tensors = [
      tensor(0, 'hidden', [8]),
      tensor(1, 'w', [16, 8], 'weights'),
      tensor(2, 'q', [2, 4]),
      tensor(3, 'kv.0', [2, 5, 1, 4]),
      tensor(4, 'rope', [5, 2, 2]),
    ];
    const inst = makeInstruction(Op.FUSED_NORM_QKV_ROPE, { t0: 0, t2: 1, t4: 2, t5: 3, t6: 4, a0: 6, a1: 4 });
    const got = instructionAccesses(inst, tensors, { pos: 2, kvRows: 'current' });
    expect(got).toContainEqual({ tensor: 2, kind: 'write', intervals: [6, 8] });
    expect(got).toContainEqual({ tensor: 3, kind: 'write', intervals: [8, 10] });
    expect(got).toContainEqual({ tensor: 4, kind: 'read', intervals: [8, 12] });
    expect(
      instructionAccesses(inst, tensors, { pos: 2, kvRows: 'current', skipWeights: true }).some(
        (a) => a.tensor === 1,
      ),
    ).toBe(false);
  });

  it('an LM head tile with the sampling words reads them and may skip its candidates row', () => {
    const tensors = [
      tensor(0, 'hidden', [8]),
      tensor(1, 'w', [16, 8], 'weights'),
      tensor(2, 'logits', [16]),
      tensor(3, 'argmax', [4, 2]),
      tensor(4, 'candidates', [2, 128]),
      tensor(5, 'sampling', [8]),
    ];
    const fields = { t0: 0, t2: 1, t4: 2, t5: 3, t6: 4, a0: 8, a1: 8, a2: 0xffffffff, a3: 1 };
    const at = (inst: ReturnType<typeof makeInstruction>) =>
      instructionAccesses(inst, tensors, { pos: 2, kvRows: 'current' }).filter((a) => a.tensor >= 4);
    expect(at(makeInstruction(Op.FUSED_NORM_LM_HEAD_ARGMAX, fields))).toEqual([
      { tensor: 4, kind: 'write', intervals: [128, 256] },
    ]);
    expect(at(makeInstruction(Op.FUSED_NORM_LM_HEAD_ARGMAX, { ...fields, t7: 5 }))).toEqual([
      { tensor: 5, kind: 'read', intervals: [0, 8] },
      { tensor: 4, kind: 'write', intervals: [128, 256], conditional: true },
    ]);
  });

  it('marks split-K residual adds and argmax folds as commuting atomics', () => {
    const tensors = [tensor(0, 'x', [8]), tensor(1, 'w', [4, 8], 'weights'), tensor(2, 'hidden', [4])];
    const splitK = makeInstruction(Op.FUSED_MATMUL_RESIDUAL, {
      flags: 0x02,
      t0: 0,
      t1: 1,
      t2: 2,
      a0: 0,
      a1: 4,
      a2: 4,
      a3: 4,
    });
    const acc = instructionAccesses(splitK, tensors, { pos: 0, kvRows: 'current' });
    expect(acc.find((a) => a.tensor === 2)!.kind).toBe('atomic-add');
    expect(acc.find((a) => a.tensor === 0)!.intervals).toEqual([4, 8]);
    expect(accessElementCount(acc.find((a) => a.tensor === 1)!)).toBe(16);
    const plain = instructionAccesses({ ...splitK, flags: 0 }, tensors, { pos: 0, kvRows: 'current' });
    expect(plain.filter((a) => a.tensor === 2).map((a) => a.kind)).toEqual(['read', 'write']);
  });
});
