import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bf16BitsToF32,
  f16BitsToF32,
  f32Bits,
  f32FromBits,
  f32ToBf16Bits,
  f32ToF16Bits,
  roundArrayToDtype,
  roundToBf16,
  roundToF16,
} from './dtype-convert.js';

const f32 = fc.float({ noNaN: true });

describe('bf16', () => {
  it('keeps the top 16 bits, rounding to nearest with ties to even', () => {
    expect(f32ToBf16Bits(1)).toBe(0x3f80);
    expect(f32ToBf16Bits(f32FromBits(0x3f808000))).toBe(0x3f80); // tie, even below
    expect(f32ToBf16Bits(f32FromBits(0x3f818000))).toBe(0x3f82); // tie, even above
    expect(f32ToBf16Bits(f32FromBits(0x3f808001))).toBe(0x3f81); // just above the tie
    expect(f32ToBf16Bits(-0)).toBe(0x8000);
    expect(f32ToBf16Bits(Number.POSITIVE_INFINITY)).toBe(0x7f80);
    expect(f32ToBf16Bits(f32FromBits(0x7f7fffff))).toBe(0x7f80); // f32 max rounds up to inf
    expect(f32ToBf16Bits(Number.NaN)).toBe(0x7fc0);
    expect(f32ToBf16Bits(f32FromBits(0x00000001))).toBe(0); // subnormals round like any value
  });
  it('round-trips every bf16 value', () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = bf16BitsToF32(h);
      if (!Number.isNaN(x)) expect(f32ToBf16Bits(x)).toBe(h);
    }
  });
  it('is monotone and idempotent (property)', () => {
    fc.assert(
      fc.property(f32, f32, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return roundToBf16(lo) <= roundToBf16(hi) && roundToBf16(roundToBf16(a)) === roundToBf16(a);
      }),
      { numRuns: 2000 },
    );
  });
  it('rounds arrays in place with the same rule as the scalar conversion', () => {
    const values = [
      1,
      1.00390625,
      3.3,
      -2.5e-20,
      65519.9,
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      f32FromBits(0x7f7fffff),
    ];
    const a = Float32Array.from(values);
    roundArrayToDtype(a, 'bf16');
    values.forEach((v, i) => {
      expect(f32Bits(a[i]!)).toBe(f32Bits(roundToBf16(v)));
    });
  });
});

describe('f16', () => {
  it('matches IEEE binary16 at the edges: max, overflow, subnormals, signed zero, inf, NaN', () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65519)).toBe(0x7bff); // below the midpoint to 65536
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // the midpoint ties to even = inf
    expect(f32ToF16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000); // half of it ties to even zero
    expect(f32ToF16Bits(1.5 * 2 ** -24)).toBe(0x0002); // tie between 1 and 2 units: even
    expect(f32ToF16Bits(-0)).toBe(0x8000);
    expect(f32ToF16Bits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(f32ToF16Bits(Number.NaN)).toBe(0x7e00);
    expect(f32ToF16Bits(0.1)).toBe(0x2e66);
    expect(f16BitsToF32(0x3555)).toBeCloseTo(0.333251953125, 15);
  });
  it('round-trips every f16 value, and every midpoint rounds to the even neighbour', () => {
    for (let h = 0; h < 0x7c00; h++) {
      const x = f16BitsToF32(h);
      expect(f32ToF16Bits(x)).toBe(h);
      expect(f32ToF16Bits(-x)).toBe(h | 0x8000);
      const next = f16BitsToF32(h + 1);
      const mid = (x + next) / 2; // exact in f32: one more bit than f16 needs
      expect(f32ToF16Bits(mid)).toBe(h % 2 === 0 ? h : h + 1);
    }
  });
  it('is monotone and idempotent (property)', () => {
    fc.assert(
      fc.property(f32, f32, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return roundToF16(lo) <= roundToF16(hi) && Object.is(roundToF16(roundToF16(a)), roundToF16(a));
      }),
      { numRuns: 2000 },
    );
  });
});
