/**
 * RMSNorm, Hugging Face convention: y = x · rsqrt(mean(x²) + eps), rounded back to the input dtype
 * (f32 here, so only an fround), then times gamma. Statistics in double.
 */

export function rmsNorm(
  x: Float32Array,
  gamma: Float32Array | null,
  eps: number,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  const n = x.length;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += x[i]! * x[i]!;
  const inv = 1 / Math.sqrt(ss / n + eps);
  for (let i = 0; i < n; i++) {
    const normed = Math.fround(x[i]! * inv);
    out[i] = gamma ? normed * gamma[i]! : normed;
  }
  return out;
}
