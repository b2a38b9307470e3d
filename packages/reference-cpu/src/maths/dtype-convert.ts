/**
 * bf16 and f16 conversions with PyTorch's rounding: round to nearest, ties to even, from the f32
 * value. Stores in the VM go through these so the CPU computes what the GPU stores.
 */
import type { TensorDtype } from '@megakernel/isa';

const scratch = new DataView(new ArrayBuffer(4));

export function f32Bits(x: number): number {
  scratch.setFloat32(0, x);
  return scratch.getUint32(0);
}
export function f32FromBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0);
  return scratch.getFloat32(0);
}

/** f32 → bf16 bits (u16). NaN becomes the quiet NaN 0x7FC0 as in c10::BFloat16. */
export function f32ToBf16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7fc0;
  const bits = f32Bits(x);
  // Adding 0x7FFF plus the lowest kept bit rounds half-way cases to the even neighbour.
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}
export function bf16BitsToF32(h: number): number {
  return f32FromBits((h & 0xffff) << 16);
}
export function roundToBf16(x: number): number {
  return bf16BitsToF32(f32ToBf16Bits(x));
}

/** f32 → IEEE binary16 bits, round to nearest even, with subnormals, ±inf on overflow, NaN → 0x7E00. */
export function f32ToF16Bits(x: number): number {
  const bits = f32Bits(x);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return mant !== 0 ? 0x7e00 : sign | 0x7c00;
  // Unbiased exponent; f16 normals cover [-14, 15].
  const e = exp - 127;
  if (e > 15) return sign | 0x7c00;
  if (e >= -14) {
    // Normal: keep 10 of 23 mantissa bits; a carry out of the mantissa bumps the exponent (and may reach inf).
    let h = ((e + 15) << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h += 1;
    return sign | h;
  }
  if (e < -25) return sign; // below half the smallest subnormal (2^-25 exactly rounds to even: 0)
  // Subnormal: value = m · 2^-24 with the implicit bit made explicit.
  const full = mant | 0x800000;
  const shift = -e - 1; // full · 2^(e-23) counted in units of 2^-24
  const kept = full >>> shift;
  const rem = full - kept * 2 ** shift;
  const halfway = 2 ** (shift - 1);
  let h = kept;
  if (rem > halfway || (rem === halfway && (h & 1) === 1)) h += 1;
  return sign | h;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return mant !== 0 ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  if (exp === 0) return sign * mant * 2 ** -24;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}
export function roundToF16(x: number): number {
  return f16BitsToF32(f32ToF16Bits(x));
}

/** The value a store of `x` into a tensor of `dtype` keeps (f32: fround; ints: truncation is the caller's). */
export function roundToDtype(x: number, dtype: TensorDtype): number {
  switch (dtype) {
    case 'bf16':
      return roundToBf16(x);
    case 'f16':
      return roundToF16(x);
    default:
      return Math.fround(x);
  }
}

/** Rounds every element of a float array in place to what `dtype` can hold. */
export function roundArrayToDtype(a: Float32Array, dtype: TensorDtype, start = 0, end = a.length): void {
  if (dtype === 'bf16') {
    // Same rule as f32ToBf16Bits on a u32 view: no DataView round trip per element.
    const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
    for (let i = start; i < end; i++) {
      const bits = u[i]!;
      if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) u[i] = 0x7fc00000;
      else u[i] = ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) << 16;
    }
  } else if (dtype === 'f16') {
    for (let i = start; i < end; i++) a[i] = roundToF16(a[i]!);
  }
}
