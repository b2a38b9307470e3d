/**
 * Rotary position embedding on a vector of heads [H, d]. Only the first `rot` dims of each head
 * rotate (partial rotary); pair i turns by pos · invFreq[i]. Two pairings:
 * - rotate-half (Hugging Face): dims (i, i + rot/2);
 * - interleaved (the VMs, after the rope-permute weight source): dims (2i, 2i + 1).
 */
import type { RopeLayout, RuntimeModelConfig } from '@megakernel/isa';
import { ropeAttentionFactor, ropeInverseFrequencies, ropeUsesLongFactors } from '@megakernel/isa';

/** cos and sin of pos · invFreq[i], the angle formed in f32 as PyTorch does (then cos/sin rounded to f32). */
export interface RopeAngles {
  readonly cos: Float32Array;
  readonly sin: Float32Array;
}

export function ropeAngles(invFreq: Float32Array, pos: number): RopeAngles {
  const cos = new Float32Array(invFreq.length);
  const sin = new Float32Array(invFreq.length);
  for (let i = 0; i < invFreq.length; i++) {
    const angle = Math.fround(pos * invFreq[i]!);
    cos[i] = Math.cos(angle);
    sin[i] = Math.sin(angle);
  }
  return { cos, sin };
}

/**
 * RoPE's inverse frequencies (llama3 / linear scaling included) in f32, as Hugging Face computes them;
 * `long` picks LongRoPE's long factors.
 */
export function ropeFrequencies(config: RuntimeModelConfig, long = false): Float32Array {
  return ropeInverseFrequencies(config, long);
}

/**
 * The angles position `pos` turns by in a sequence whose prompt held `promptLength` tokens: LongRoPE's
 * short or long frequencies (the ISA's ropeUsesLongFactors), cos and sin times its attention factor.
 */
export function ropeAnglesAt(config: RuntimeModelConfig, pos: number, promptLength: number): RopeAngles {
  const angles = ropeAngles(ropeFrequencies(config, ropeUsesLongFactors(config, pos, promptLength)), pos);
  const scale = Math.fround(ropeAttentionFactor(config));
  if (scale !== 1) {
    for (let i = 0; i < angles.cos.length; i++) {
      angles.cos[i]! *= scale;
      angles.sin[i]! *= scale;
    }
  }
  return angles;
}

/**
 * Rotates heads [headStart, headStart + headCount) of x (head h at x[h·d ..]) in place.
 * (a, b) → (a·cos − b·sin, a·sin + b·cos) for each pair (a, b) of the layout.
 */
export function applyRope(
  x: Float32Array,
  headDim: number,
  angles: RopeAngles,
  layout: RopeLayout,
  headStart = 0,
  headCount = x.length / headDim - headStart,
): Float32Array {
  const half = angles.cos.length;
  for (let h = headStart; h < headStart + headCount; h++) {
    const base = h * headDim;
    for (let i = 0; i < half; i++) {
      const ia = layout === 'interleaved' ? base + 2 * i : base + i;
      const ib = layout === 'interleaved' ? ia + 1 : base + i + half;
      const a = x[ia]!;
      const b = x[ib]!;
      const c = angles.cos[i]!;
      const s = angles.sin[i]!;
      x[ia] = a * c - b * s;
      x[ib] = a * s + b * c;
    }
  }
  return x;
}

/**
 * The permutation the rope-permute weight source applies to one head's rows: interleaved row 2i
 * is rotate-half row i, row 2i+1 is row i + rot/2; rows ≥ rot stay. Returns perm with new[j] = old[perm[j]].
 */
export function ropeInterleavePermutation(headDim: number, rot: number): Int32Array {
  const perm = new Int32Array(headDim);
  const half = rot / 2;
  for (let i = 0; i < half; i++) {
    perm[2 * i] = i;
    perm[2 * i + 1] = i + half;
  }
  for (let j = rot; j < headDim; j++) perm[j] = j;
  return perm;
}
