import { describe, expect, it } from 'vitest';
import type { Program, TensorEntry } from './program-types.js';
import { stateLayoutMismatch, variantForContext } from './state-layout.js';

const entry = (id: number, name: string, shape: number[], byteOffset: number): TensorEntry => ({
  id,
  name,
  dtype: 'f32',
  shape,
  region: 'state',
  byteOffset,
});

function program(partialChunks: number, tweak: (t: TensorEntry[]) => void = () => {}): Program {
  const tensors = [
    entry(0, 'tokens', [8], 0),
    entry(1, 'partialO', [partialChunks, 4, 16], 256),
    entry(2, 'partialLse', [partialChunks, 4], 4352),
    entry(3, 'logits', [32], 4608),
  ];
  tweak(tensors);
  return {
    tensors,
    stateBytes: 4864,
    weightBytes: 0,
    maxSeqLen: 8,
    io: { tokens: 0, logits: 3, argmax: 3 },
  } as unknown as Program;
}

describe('stateLayoutMismatch', () => {
  it('accepts programs that differ only in the attention partials’ chunk axis', () => {
    expect(stateLayoutMismatch(program(1), program(4))).toBeUndefined();
  });

  it('names the first tensor that moved, changed shape or changed name', () => {
    expect(
      stateLayoutMismatch(
        program(1),
        program(1, (t) => (t[3] = { ...t[3]!, byteOffset: 4864 })),
      ),
    ).toMatch(/tensor 3 \('logits'\) has another dtype, region or offset/);
    expect(
      stateLayoutMismatch(
        program(2),
        program(2, (t) => (t[1] = { ...t[1]!, shape: [2, 4, 8] })),
      ),
    ).toMatch(/tensor 1 \('partialO'\) has shape \[2, 4, 16\] against \[2, 4, 8\]/);
    expect(
      stateLayoutMismatch(
        program(1),
        program(1, (t) => (t[0] = { ...t[0]!, shape: [9] })),
      ),
    ).toMatch(/'tokens'/);
    expect(
      stateLayoutMismatch(
        program(1),
        program(1, (t) => (t[3] = { ...t[3]!, name: 'x' })),
      ),
    ).toMatch(/is 'x' in the other program/);
  });

  it('compares the arenas, the context and the io', () => {
    expect(stateLayoutMismatch(program(1), { ...program(1), stateBytes: 5120 })).toMatch(
      /state arenas of 4864 and 5120/,
    );
    expect(stateLayoutMismatch(program(1), { ...program(1), maxSeqLen: 16 })).toMatch(/maxSeqLen 8 and 16/);
    expect(
      stateLayoutMismatch(program(1), { ...program(1), io: { tokens: 0, logits: 3, argmax: 0 } }),
    ).toMatch(/io\.argmax differs/);
  });
});

describe('variantForContext', () => {
  const bands = [{ upToContext: 300 }, { upToContext: 1000 }, { upToContext: 4096 }];

  it('takes the first band that reaches the context, its bound included', () => {
    expect(variantForContext(bands, 1)).toBe(bands[0]);
    expect(variantForContext(bands, 300)).toBe(bands[0]);
    expect(variantForContext(bands, 301)).toBe(bands[1]);
    expect(variantForContext(bands, 4096)).toBe(bands[2]);
  });

  it('takes the last band past every bound, and refuses an empty list', () => {
    expect(variantForContext(bands, 5000)).toBe(bands[2]);
    expect(() => variantForContext([], 1)).toThrow(RangeError);
  });
});
