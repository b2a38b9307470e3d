/** Elementwise ops over whole arrays (the VM passes the [offset, offset + count) window of each operand). */

export function add(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array = new Float32Array(a.length),
): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}
export function mul(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array = new Float32Array(a.length),
): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * b[i]!;
  return out;
}
/** out = a·s. */
export function scale(
  a: Float32Array,
  s: number,
  out: Float32Array = new Float32Array(a.length),
): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * s;
  return out;
}
/** out = a·b + c, one rounding per element (the f32 store). */
export function mulAdd(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  out: Float32Array = new Float32Array(a.length),
): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * b[i]! + c[i]!;
  return out;
}
/** residual += a, in place: the residual stream update after attention and MLP. */
export function residualAdd(residual: Float32Array, a: Float32Array, scale = 1): Float32Array {
  for (let i = 0; i < residual.length; i++) residual[i] = residual[i]! + scale * a[i]!;
  return residual;
}
