/** f32 values to the bytes of a tensor dtype (round to nearest even), for uploads. */
import type { TensorDtype } from '@megakernel/isa';

export function f32ToBf16Array(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    // NaN stays NaN (quiet); otherwise round to nearest even on the dropped 16 bits.
    out[i] = (b & 0x7fffffff) > 0x7f800000 ? (b >>> 16) | 0x40 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

function f32ToF16(v: number): number {
  const f = new Float32Array([v]);
  const b = new Uint32Array(f.buffer)[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rounded = (mant + half - 1 + ((mant >>> shift) & 1)) >>> shift;
    return sign | rounded;
  }
  const rounded = mant + 0xfff + ((mant >>> 13) & 1);
  if (rounded & 0x800000) {
    mant = 0;
    e += 1;
    if (e >= 0x1f) return sign | 0x7c00;
  } else {
    mant = rounded;
  }
  return sign | (e << 10) | (mant >>> 13);
}

/** The bytes of `values` stored as `dtype`. */
export function encodeValues(values: Float32Array, dtype: TensorDtype): Uint8Array {
  switch (dtype) {
    case 'f32':
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    case 'bf16': {
      const h = f32ToBf16Array(values);
      return new Uint8Array(h.buffer);
    }
    case 'f16': {
      const h = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) h[i] = f32ToF16(values[i]!);
      return new Uint8Array(h.buffer);
    }
    case 'i32':
      return new Uint8Array(Int32Array.from(values).buffer);
    case 'u32':
      return new Uint8Array(Uint32Array.from(values).buffer);
  }
}

/** The values of tensor bytes as f32 (bf16/f16 widen exactly). */
export function decodeValues(bytes: Uint8Array, dtype: TensorDtype): Float32Array {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  switch (dtype) {
    case 'f32':
      return new Float32Array(buf);
    case 'bf16': {
      const h = new Uint16Array(buf);
      const out = new Uint32Array(h.length);
      for (let i = 0; i < h.length; i++) out[i] = h[i]! << 16;
      return new Float32Array(out.buffer);
    }
    case 'f16': {
      const h = new Uint16Array(buf);
      const out = new Float32Array(h.length);
      for (let i = 0; i < h.length; i++) {
        const v = h[i]!;
        const s = v & 0x8000 ? -1 : 1;
        const e = (v >>> 10) & 0x1f;
        const m = v & 0x3ff;
        out[i] =
          e === 0
            ? s * m * 2 ** -24
            : e === 31
              ? m
                ? Number.NaN
                : s * Number.POSITIVE_INFINITY
              : s * (1 + m / 1024) * 2 ** (e - 15);
      }
      return out;
    }
    case 'i32':
      return Float32Array.from(new Int32Array(buf));
    case 'u32':
      return Float32Array.from(new Uint32Array(buf));
  }
}
