/**
 * Safetensors element types: sizes, exact widening to f32, and encoding of numbers into each type.
 * Everything is little-endian, as the safetensors format prescribes (and every host we run on is).
 */

export type SafetensorsDtype = 'BF16' | 'F16' | 'F32' | 'I64' | 'I32' | 'U8';
export const SAFETENSORS_DTYPES: readonly SafetensorsDtype[] = ['BF16', 'F16', 'F32', 'I64', 'I32', 'U8'];

export const DTYPE_SIZE: Readonly<Record<SafetensorsDtype, number>> = {
  BF16: 2,
  F16: 2,
  F32: 4,
  I64: 8,
  I32: 4,
  U8: 1,
};

export function isSafetensorsDtype(value: string): value is SafetensorsDtype {
  return (SAFETENSORS_DTYPES as readonly string[]).includes(value);
}

/** f16 bits → f32 bits, exact: subnormals become normal f32s, inf stays inf, NaN keeps its payload. */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: shift the mantissa up until its leading one becomes the implicit bit.
  let e = 113;
  let m = mant;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let f16Table: Uint32Array | undefined;
/** All 65536 f16 → f32 bit patterns (256 KB), built on first use: conversion is then one lookup. */
function f16ToF32Table(): Uint32Array {
  if (f16Table === undefined) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32Bits(h);
  }
  return f16Table;
}

/**
 * Widens `count` elements of `dtype` from `bytes` (little-endian, any alignment) into `out` starting at
 * `outOffset`. Floats convert exactly; integers round to the nearest f32 (exact below 2^24).
 */
export function decodeToF32(
  dtype: SafetensorsDtype,
  bytes: Uint8Array,
  count: number,
  out: Float32Array,
  outOffset: number,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  // Typed-array views (host order) need a little-endian host and aligned offsets; they are several
  // times faster than DataView on big reads.
  const fast = (align: number) => LITTLE_ENDIAN_HOST && bytes.byteOffset % align === 0;
  const halves =
    (dtype === 'BF16' || dtype === 'F16') && fast(2)
      ? new Uint16Array(bytes.buffer, bytes.byteOffset, count)
      : undefined;
  switch (dtype) {
    case 'BF16':
      // bf16 is the top half of an f32: widening is a 16-bit shift of the bits.
      if (halves) for (let i = 0; i < count; i++) bits[outOffset + i] = halves[i]! << 16;
      else for (let i = 0; i < count; i++) bits[outOffset + i] = view.getUint16(2 * i, true) << 16;
      return;
    case 'F16': {
      const table = f16ToF32Table();
      if (halves) for (let i = 0; i < count; i++) bits[outOffset + i] = table[halves[i]!]!;
      else for (let i = 0; i < count; i++) bits[outOffset + i] = table[view.getUint16(2 * i, true)]!;
      return;
    }
    case 'F32':
      if (fast(4)) bits.set(new Uint32Array(bytes.buffer, bytes.byteOffset, count), outOffset);
      else for (let i = 0; i < count; i++) bits[outOffset + i] = view.getUint32(4 * i, true);
      return;
    case 'I64':
      for (let i = 0; i < count; i++) out[outOffset + i] = Number(view.getBigInt64(8 * i, true));
      return;
    case 'I32':
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getInt32(4 * i, true);
      return;
    case 'U8':
      for (let i = 0; i < count; i++) out[outOffset + i] = bytes[i]!;
      return;
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** The bits of a number rounded to f32. */
export function f32Bits(value: number): number {
  f32Scratch[0] = value;
  return u32Scratch[0]!;
}

/** An f32 from its bits. */
export function f32FromBits(bits: number): number {
  u32Scratch[0] = bits;
  return f32Scratch[0]!;
}

/** f32 bits → bf16 bits, rounding to nearest even (what PyTorch's `.to(torch.bfloat16)` does). */
export function f32BitsToBf16Bits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) {
    // NaN: keep sign and the top payload bits; if those are all zero, set the quiet bit so the
    // result stays a NaN instead of collapsing to inf.
    const top = (bits >>> 16) & 0xffff;
    return (top & 0x7f) === 0 ? top | 0x40 : top;
  }
  const lsb = (bits >>> 16) & 1;
  return ((bits + 0x7fff + lsb) >>> 16) & 0xffff;
}

/** f32 bits → f16 bits, rounding to nearest even, with f16 subnormals and overflow to inf. */
export function f32BitsToF16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00;
    // NaN: keep the top payload bits (so f16 → f32 → f16 is the identity), never collapse to inf.
    const payload = mant >>> 13;
    return sign | 0x7c00 | (payload === 0 ? 0x200 : payload);
  }
  const e = exp - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Result is an f16 subnormal (or zero): value = m · 2^-24 with m = full mantissa >> shift.
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e;
    const m = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    const up = rest > half || (rest === half && (m & 1) === 1) ? 1 : 0;
    // A carry out of the subnormal mantissa lands exactly on the smallest normal: still correct bits.
    return sign | (m + up);
  }
  const m = mant >>> 13;
  const rest = mant & 0x1fff;
  const up = rest > 0x1000 || (rest === 0x1000 && (m & 1) === 1) ? 1 : 0;
  // A mantissa carry increments the exponent, and overflow to 0x7c00 is inf: both fall out of the add.
  return sign | ((e << 10) + m + up);
}

/**
 * Encodes `count` values from `values[start]` on as `dtype` into `out` (little-endian). Floats round to
 * nearest even; integers must be integral and in range (a RangeError names the first bad value).
 */
export function encodeFromNumbers(
  dtype: SafetensorsDtype,
  values: ArrayLike<number>,
  start: number,
  count: number,
  out: Uint8Array,
): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (values instanceof Float32Array && (dtype === 'BF16' || dtype === 'F16' || dtype === 'F32')) {
    // Work on the f32 bits directly: exact, and NaN payloads survive (JS numbers may canonicalise NaN).
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < count; i++) {
      const b = bits[start + i]!;
      if (dtype === 'F32') view.setUint32(4 * i, b, true);
      else view.setUint16(2 * i, dtype === 'BF16' ? f32BitsToBf16Bits(b) : f32BitsToF16Bits(b), true);
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    const v = values[start + i]!;
    switch (dtype) {
      case 'BF16':
        view.setUint16(2 * i, f32BitsToBf16Bits(f32Bits(v)), true);
        break;
      case 'F16':
        view.setUint16(2 * i, f32BitsToF16Bits(f32Bits(v)), true);
        break;
      case 'F32':
        view.setFloat32(4 * i, v, true);
        break;
      case 'I64':
        checkInteger(v, -(2 ** 63), 2 ** 63, dtype);
        view.setBigInt64(8 * i, BigInt(v), true);
        break;
      case 'I32':
        checkInteger(v, -(2 ** 31), 2 ** 31, dtype);
        view.setInt32(4 * i, v, true);
        break;
      case 'U8':
        checkInteger(v, 0, 256, dtype);
        out[i] = v;
        break;
    }
  }
}

function checkInteger(v: number, min: number, maxExclusive: number, dtype: SafetensorsDtype): void {
  if (!Number.isInteger(v) || v < min || v >= maxExclusive) {
    throw new RangeError(`value ${v} is not representable as ${dtype}`);
  }
}

/**
 * Index of the first NaN or ±Inf among the `count` floats of `dtype` in `bytes`, or -1 when all are
 * finite (and for integer types, which cannot hold either). A tight loop over the raw bits: a float is
 * non-finite exactly when its exponent field is all ones. `bytes` must be aligned to the element size
 * (reads through a scratch buffer are).
 */
export function firstNonFinite(dtype: SafetensorsDtype, bytes: Uint8Array, count: number): number {
  if (!LITTLE_ENDIAN_HOST) throw new Error('big-endian hosts are not supported');
  if (bytes.byteOffset % DTYPE_SIZE[dtype] !== 0) return firstNonFinite(dtype, bytes.slice(), count);
  switch (dtype) {
    case 'BF16':
    case 'F16': {
      const mask = dtype === 'BF16' ? 0x7f80 : 0x7c00;
      const h = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
      for (let i = 0; i < count; i++) if ((h[i]! & mask) === mask) return i;
      return -1;
    }
    case 'F32': {
      const w = new Uint32Array(bytes.buffer, bytes.byteOffset, count);
      for (let i = 0; i < count; i++) if ((w[i]! & 0x7f800000) === 0x7f800000) return i;
      return -1;
    }
    default:
      return -1;
  }
}
