import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argmax, argmaxKey, argmaxKeyGreater, argmaxKeyToken, orderedBits } from './argmax.js';

describe('argmax', () => {
  it('returns the first index among equal maxima, as torch.argmax does', () => {
    expect(argmax([1, 5, 3, 5, 5])).toBe(1);
    expect(argmax([-2, -2])).toBe(0);
    expect(argmax(Float32Array.from([0, Number.NEGATIVE_INFINITY, 0.5]))).toBe(2);
  });
  it('never returns a suppressed token', () => {
    expect(argmax([1, 9, 3, 9], [1])).toBe(3);
    expect(argmax([1, 9, 3, 9], [1, 3])).toBe(2);
  });
  it('picks the first NaN, as torch.argmax does', () => {
    expect(argmax([1, Number.NaN, 7, Number.NaN])).toBe(1);
  });
});

describe('argmax keys', () => {
  const f32 = fc.float({ noNaN: true });
  it('orderedBits is an order-preserving map of f32 to u32 (property)', () => {
    fc.assert(
      fc.property(f32, f32, (a, b) =>
        a < b ? orderedBits(a) < orderedBits(b) : a > b ? orderedBits(a) > orderedBits(b) : true,
      ),
      { numRuns: 3000 },
    );
    expect(orderedBits(-0)).toBe(0x7fffffff);
    expect(orderedBits(0)).toBe(0x80000000);
  });
  it('folding keys by max picks argmax with the lowest row on ties', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 1, maxLength: 40 }), (values) => {
        let best = { low: 0, high: 0 };
        values.forEach((v, row) => {
          const k = argmaxKey(v, row);
          if (argmaxKeyGreater(k.low, k.high, best.low, best.high)) best = k;
        });
        return argmaxKeyToken(best.low) === argmax(values);
      }),
    );
  });
  it('stores 0xFFFFFFFF − row in the low word', () => {
    expect(argmaxKey(1.5, 7)).toEqual({ low: 0xfffffff8, high: orderedBits(1.5) });
    expect(argmaxKeyToken(0xfffffff8)).toBe(7);
  });
});
