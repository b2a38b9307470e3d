/** LayerNorm with optional gamma and beta: y = (x - mean) · rsqrt(var + eps) · gamma + beta, population variance. */

export function layerNorm(
  x: Float32Array,
  gamma: Float32Array | null,
  beta: Float32Array | null,
  eps: number,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i]!;
  const mean = sum / n;
  // Two passes: the centred sum of squares avoids the cancellation of E[x²] - E[x]².
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    ss += d * d;
  }
  const inv = 1 / Math.sqrt(ss / n + eps);
  for (let i = 0; i < n; i++) {
    let v = (x[i]! - mean) * inv;
    if (gamma) v *= gamma[i]!;
    if (beta) v += beta[i]!;
    out[i] = v;
  }
  return out;
}
