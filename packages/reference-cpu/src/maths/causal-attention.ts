/**
 * Full-sequence causal self-attention for a prompt (the prefill of the direct forward pass),
 * written as the textbook masked softmax over a score row, independently of the LSE-partial path
 * that decoding uses, so that each checks the other.
 */

export interface CausalAttentionArgs {
  /** [T, Hq, d] */
  readonly q: Float32Array;
  /** [T, Hkv, d] */
  readonly k: Float32Array;
  /** [T, Hkv, d] */
  readonly v: Float32Array;
  readonly seqLen: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly scale: number;
  /** Logit soft-cap (Gemma 2): cap · tanh(logit / cap) before the mask; null or absent for none. */
  readonly softcap?: number | null;
  /** Tokens a query sees, itself included; null for full causal attention. */
  readonly window: number | null;
  readonly alibiSlopes?: Float32Array;
}

/** Returns the attention output [T, Hq, d]. */
export function causalAttention(a: CausalAttentionArgs): Float32Array {
  const { seqLen: T, numHeads: Hq, numKvHeads: Hkv, headDim: d } = a;
  const g = Hq / Hkv;
  const out: Float32Array = new Float32Array(T * Hq * d);
  const scores = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < Hq; h++) {
      const kh = Math.floor(h / g);
      const qo = (t * Hq + h) * d;
      let max = Number.NEGATIVE_INFINITY;
      for (let s = 0; s < T; s++) {
        const masked = s > t || (a.window !== null && s <= t - a.window);
        if (masked) {
          scores[s] = Number.NEGATIVE_INFINITY;
          continue;
        }
        const ko = (s * Hkv + kh) * d;
        let dot = 0;
        for (let i = 0; i < d; i++) dot += a.q[qo + i]! * a.k[ko + i]!;
        const logit = a.softcap ? a.softcap * Math.tanh((dot * a.scale) / a.softcap) : dot * a.scale;
        scores[s] = logit - (a.alibiSlopes ? a.alibiSlopes[h]! * (t - s) : 0);
        max = Math.max(max, scores[s]!);
      }
      let sum = 0;
      for (let s = 0; s < T; s++) {
        scores[s] = Math.exp(scores[s]! - max);
        sum += scores[s]!;
      }
      for (let i = 0; i < d; i++) {
        let acc = 0;
        for (let s = 0; s <= t; s++) acc += scores[s]! * a.v[(s * Hkv + kh) * d + i]!;
        out[qo + i] = acc / sum;
      }
    }
  }
  return out;
}
