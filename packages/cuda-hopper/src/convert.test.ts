import { describe, expect, it } from 'vitest';
import { decodeValues, encodeValues, f32ToBf16Array } from './convert.js';

const bits = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0]!;
const fromBits = (b: number): number => new Float32Array(new Uint32Array([b]).buffer)[0]!;

describe('dtype conversion for uploads', () => {
  it('rounds f32 to bf16 to nearest even', () => {
    const v = new Float32Array([fromBits(0x3f808000), fromBits(0x3f818000), fromBits(0x3f808001), 1, -2.5]);
    expect(Array.from(f32ToBf16Array(v))).toEqual([0x3f80, 0x3f82, 0x3f81, 0x3f80, 0xc020]);
  });
  it('keeps NaN a NaN and infinities infinite', () => {
    const out = f32ToBf16Array(
      new Float32Array([Number.NaN, Number.POSITIVE_INFINITY, -Number.POSITIVE_INFINITY]),
    );
    expect(Number.isNaN(fromBits(out[0]! << 16))).toBe(true);
    expect(out[1]).toBe(0x7f80);
    expect(out[2]).toBe(0xff80);
  });
  it('round-trips every float dtype within its precision', () => {
    const v = new Float32Array([0, 1, -1, 0.1, 2.71, 65504, 1e-3]);
    for (const [dtype, tol] of [
      ['f32', 0],
      ['bf16', 2 ** -8],
      ['f16', 2 ** -11],
    ] as const) {
      const back = decodeValues(encodeValues(v, dtype), dtype);
      v.forEach((x, i) => {
        expect(Math.abs(back[i]! - x)).toBeLessThanOrEqual(Math.abs(x) * tol);
      });
    }
    expect(Array.from(decodeValues(encodeValues(new Float32Array([-1, 7]), 'i32'), 'i32'))).toEqual([-1, 7]);
  });
  it('bf16 encoding agrees with bit truncation on exactly representable values', () => {
    const v = new Float32Array([1.5, -0.375, 1024]);
    expect(Array.from(f32ToBf16Array(v))).toEqual(Array.from(v, (x) => bits(x) >>> 16));
  });
});
