import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeToF32,
  encodeFromNumbers,
  f16BitsToF32Bits,
  f32Bits,
  f32BitsToBf16Bits,
  f32BitsToF16Bits,
  f32FromBits,
  firstNonFinite,
} from './dtype.js';

/** f16 value from its bits by the IEEE formula, in double arithmetic (independent of the bit tricks). */
function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : Number.NaN;
  if (exp === 0) return sign * mant * 2 ** -24;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const isNanF16 = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

describe('f16 → f32', () => {
  it('is exact for all 65536 bit patterns, subnormals, infinities and signed zeros included', () => {
    for (let h = 0; h < 65536; h++) {
      const got = f32FromBits(f16BitsToF32Bits(h));
      if (isNanF16(h)) expect(got).toBeNaN();
      else expect(Object.is(got, f16Value(h))).toBe(true);
    }
  });
  it('keeps NaN payloads so that f16 → f32 → f16 is the identity', () => {
    for (let h = 0; h < 65536; h++) expect(f32BitsToF16Bits(f16BitsToF32Bits(h))).toBe(h);
  });
});

describe('bf16 ↔ f32', () => {
  it('widens by a 16-bit shift: known values', () => {
    const bytes = new Uint8Array(new Uint16Array([0x3f80, 0xc000, 0x7f80, 0x0001, 0x8000]).buffer);
    const out = new Float32Array(5);
    decodeToF32('BF16', bytes, 5, out, 0);
    expect([...out]).toEqual([1, -2, Infinity, 2 ** -133, -0]);
  });
  it('bf16 → f32 → bf16 is the identity for all 65536 patterns', () => {
    for (let b = 0; b < 65536; b++) expect(f32BitsToBf16Bits((b << 16) >>> 0)).toBe(b);
  });
  it('rounds f32 to the nearest bf16, ties to even', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        const x = f32FromBits(bits);
        fc.pre(!Number.isNaN(x));
        const lo = bits >>> 16;
        const candidates = [lo, lo + 1].filter(
          (c) => c <= 0xffff && !Number.isNaN(f32FromBits((c << 16) >>> 0)),
        );
        // IEEE rounding treats infinity as the step after the largest finite value, at 2^128.
        const value = (c: number) =>
          (c & 0x7fff) === 0x7f80
            ? Math.sign(f32FromBits((c << 16) >>> 0)) * 2 ** 128
            : f32FromBits((c << 16) >>> 0);
        const dist = (c: number) => Math.abs(value(c) - x);
        const best = candidates.reduce((a, c) =>
          dist(c) < dist(a) || (dist(c) === dist(a) && (c & 1) === 0) ? c : a,
        );
        expect(f32BitsToBf16Bits(bits)).toBe(best);
      }),
      { numRuns: 20000 },
    );
  });
  it('never turns a NaN into infinity', () => {
    expect(f32BitsToBf16Bits(0x7f800001) & 0x7f).not.toBe(0);
    expect(f32BitsToBf16Bits(0xff800001) & 0x7f).not.toBe(0);
  });
});

describe('f32 → f16', () => {
  // Every finite non-negative f16, ascending, to find nearest neighbours independently.
  const finite = Array.from({ length: 0x7c00 }, (_, h) => h);
  const nearestF16 = (x: number): number => {
    const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
    const a = Math.abs(x);
    // Past the halfway point to 2^16 (the next step after the largest f16 65504) rounds to infinity.
    if (a >= 65520) return sign | 0x7c00;
    let lo = 0;
    let hi = finite.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (f16Value(mid) <= a) lo = mid;
      else hi = mid;
    }
    const dl = a - f16Value(lo);
    const dh = f16Value(hi) - a;
    const pick = dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
    return sign | pick;
  };
  it('rounds random f32 values to the nearest f16, ties to even', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true }), (x) => {
        expect(f32BitsToF16Bits(f32Bits(x))).toBe(nearestF16(x));
      }),
      { numRuns: 20000 },
    );
  });
  it('rounds every midpoint between neighbouring f16 values to the even one', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (f16Value(h) + f16Value(h + 1)) / 2;
      if (Math.fround(mid) !== mid) continue; // midpoint not representable in f32: not a tie
      expect(f32BitsToF16Bits(f32Bits(mid))).toBe(h % 2 === 0 ? h : h + 1);
    }
  });
  it('overflows to infinity and underflows to signed zero', () => {
    expect(f32BitsToF16Bits(f32Bits(1e6))).toBe(0x7c00);
    expect(f32BitsToF16Bits(f32Bits(-1e6))).toBe(0xfc00);
    expect(f32BitsToF16Bits(f32Bits(65504))).toBe(0x7bff);
    expect(f32BitsToF16Bits(f32Bits(2 ** -26))).toBe(0);
    expect(f32BitsToF16Bits(f32Bits(-(2 ** -26)))).toBe(0x8000);
  });
});

describe('integer encodings', () => {
  it('refuses values the dtype cannot hold', () => {
    const out = new Uint8Array(8);
    expect(() => encodeFromNumbers('U8', [256], 0, 1, out)).toThrow(RangeError);
    expect(() => encodeFromNumbers('I32', [1.5], 0, 1, out)).toThrow(RangeError);
    expect(() => encodeFromNumbers('I64', [2 ** 63], 0, 1, out)).toThrow(RangeError);
  });
  it('widens I64, I32 and U8 to f32 values', () => {
    const bytes = new Uint8Array(8 * 2);
    encodeFromNumbers('I64', [-5, 123456], 0, 2, bytes);
    const out = new Float32Array(2);
    decodeToF32('I64', bytes, 2, out, 0);
    expect([...out]).toEqual([-5, 123456]);
  });
});

describe('alignment', () => {
  it('decodes unaligned bytes (DataView path) exactly like aligned ones (typed-array path)', () => {
    for (const [dtype, size] of [
      ['BF16', 2],
      ['F16', 2],
      ['F32', 4],
    ] as const) {
      const values = Float32Array.from([1.5, -2.25, 61440, 2 ** -24, -0, Number.POSITIVE_INFINITY]);
      const aligned = new Uint8Array(values.length * size);
      encodeFromNumbers(dtype, values, 0, values.length, aligned);
      const shifted = new Uint8Array(aligned.length + 1);
      shifted.set(aligned, 1);
      const a = new Float32Array(values.length);
      const b = new Float32Array(values.length);
      decodeToF32(dtype, aligned, values.length, a, 0);
      decodeToF32(dtype, shifted.subarray(1), values.length, b, 0);
      expect(b).toEqual(a);
      expect([...a]).toEqual([...values]);
    }
  });
});

describe('firstNonFinite', () => {
  it('agrees with Number.isFinite on all 65536 bf16 and f16 patterns', () => {
    for (const dtype of ['BF16', 'F16'] as const) {
      const halves = new Uint16Array(65536);
      for (let i = 0; i < 65536; i++) halves[i] = i;
      const widened = new Float32Array(65536);
      decodeToF32(dtype, new Uint8Array(halves.buffer), 65536, widened, 0);
      // Each pattern alone: non-finite exactly when widened is NaN or ±Inf.
      for (let i = 0; i < 65536; i++) {
        const one = new Uint8Array(halves.buffer, 2 * i, 2);
        expect(firstNonFinite(dtype, one, 1)).toBe(Number.isFinite(widened[i]!) ? -1 : 0);
      }
    }
  });

  it('finds the first bad f32 (NaN, Inf, -Inf) and passes the largest finite values', () => {
    const a = Float32Array.from([0, -0, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, 1]);
    expect(firstNonFinite('F32', new Uint8Array(a.buffer), a.length)).toBe(-1);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const b = Float32Array.from([1, 2, 3, bad, bad]);
      expect(firstNonFinite('F32', new Uint8Array(b.buffer), b.length)).toBe(3);
    }
  });

  it('an unaligned view gives the same answer; integer dtypes are always finite', () => {
    const bytes = new Uint8Array(9);
    new DataView(bytes.buffer).setUint16(1 + 2 * 2, 0x7f80, true); // bf16 +Inf at element 2 from byte 1
    expect(firstNonFinite('BF16', bytes.subarray(1), 4)).toBe(2);
    expect(firstNonFinite('I32', new Uint8Array(8).fill(0xff), 2)).toBe(-1);
  });
});
