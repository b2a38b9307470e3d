/**
 * y = x·Wᵀ with W row-major [N, K] (the Hugging Face Linear layout), accumulated in double.
 * `matvecTile` is the ISA's MATVEC / FUSED_MATMUL_RESIDUAL tile; `matvec` and `matmul` the whole products.
 */

export interface MatvecTile {
  readonly W: Float32Array;
  /** Columns of W (its row stride). */
  readonly K: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly rowStart: number;
  readonly rowCount: number;
  /** Columns [kStart, kStart + kCount) form the partial dot product (split-K). */
  readonly kStart?: number;
  readonly kCount?: number;
  /** Added once, by the tile that owns kStart = 0. */
  readonly bias?: Float32Array | undefined;
  /** y[r] += … instead of y[r] = … */
  readonly accumulate?: boolean;
}

/** Dot product of W's row `row` (columns [k0, k1)) with x[k0..k1), 4-way unrolled into independent sums. */
export function rowDot(
  W: Float32Array,
  K: number,
  row: number,
  x: Float32Array,
  k0: number,
  k1: number,
): number {
  const base = row * K;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = k0;
  for (; k + 3 < k1; k += 4) {
    const w = base + k;
    s0 += W[w]! * x[k]!;
    s1 += W[w + 1]! * x[k + 1]!;
    s2 += W[w + 2]! * x[k + 2]!;
    s3 += W[w + 3]! * x[k + 3]!;
  }
  for (; k < k1; k++) s0 += W[base + k]! * x[k]!;
  return s0 + s1 + s2 + s3;
}

export function matvecTile(t: MatvecTile): void {
  const kStart = t.kStart ?? 0;
  const kEnd = kStart + (t.kCount === undefined || t.kCount === 0 ? t.K - kStart : t.kCount);
  for (let r = t.rowStart; r < t.rowStart + t.rowCount; r++) {
    let v = rowDot(t.W, t.K, r, t.x, kStart, kEnd);
    if (t.bias && kStart === 0) v += t.bias[r]!;
    t.y[r] = t.accumulate ? t.y[r]! + v : v;
  }
}

/** y = W·x (+ bias), W [N, K]. */
export function matvec(
  W: Float32Array,
  x: Float32Array,
  N: number,
  K: number,
  bias?: Float32Array,
): Float32Array {
  const y: Float32Array = new Float32Array(N);
  matvecTile({ W, K, x, y, rowStart: 0, rowCount: N, bias });
  return y;
}

/** Y = X·Wᵀ (+ bias) for X [T, K] row-major: one matvec per row. */
export function matmul(
  X: Float32Array,
  T: number,
  W: Float32Array,
  N: number,
  K: number,
  bias?: Float32Array,
): Float32Array {
  const Y = new Float32Array(T * N);
  for (let t = 0; t < T; t++) {
    const y = Y.subarray(t * N, (t + 1) * N);
    matvecTile({ W, K, x: X.subarray(t * K, (t + 1) * K), y, rowStart: 0, rowCount: N, bias });
  }
  return Y;
}
