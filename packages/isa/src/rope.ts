/**
 * RoPE frequencies and the (cos, sin) table that programs reference as a `rope-table` state tensor.
 * Part of the contract: both VMs read the table, neither recomputes it.
 */
import { type RuntimeModelConfig, rotaryDim } from './model-config.js';

/**
 * invFreq[i] for i < rot/2, following Hugging Face (fp32 base frequencies, then the scaling rule).
 * `long` picks LongRoPE's long factors (ignored by the other scalings).
 */
export function ropeInverseFrequencies(config: RuntimeModelConfig, long = false): Float32Array {
  const rot = rotaryDim(config);
  const half = rot / 2;
  const out = new Float32Array(half);
  const s = config.ropeScaling;
  for (let i = 0; i < half; i++) {
    const base = Math.fround(config.ropeTheta ** Math.fround((2 * i) / rot));
    let inv = Math.fround(1 / base);
    if (s.type === 'linear') inv /= s.factor;
    else if (s.type === 'llama3') {
      const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
      const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
      const wavelen = (2 * Math.PI) / inv;
      if (wavelen > lowWavelen) inv = inv / s.factor;
      else if (wavelen >= highWavelen) {
        const smooth =
          (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) /
          (s.highFreqFactor - s.lowFreqFactor);
        inv = (1 - smooth) * (inv / s.factor) + smooth * inv;
      }
    } else if (s.type === 'longrope') {
      // transformers: 1.0 / (ext_factors * base ** (2i / rot)), every step in f32.
      const ext = Math.fround((long ? s.longFactor : s.shortFactor)[i]!);
      inv = Math.fround(1 / Math.fround(ext * base));
    }
    out[i] = inv;
  }
  return out;
}

/** The factor RoPE scales cos and sin by: LongRoPE's attention factor, else 1. */
export function ropeAttentionFactor(config: RuntimeModelConfig): number {
  return config.ropeScaling.type === 'longrope' ? config.ropeScaling.attentionFactor : 1;
}

/**
 * Whether position `pos` of a sequence whose prompt held `promptLength` tokens turns by LongRoPE's long
 * factors. transformers picks the factors per forward call, long when the call reaches past the original
 * context (max position + 1 > original): the prompt is one call, each later token another. So a prompt
 * longer than the original context takes the long factors at every position; a shorter one takes the
 * short ones up to the original context and the long ones from there. False for other scalings.
 */
export function ropeUsesLongFactors(config: RuntimeModelConfig, pos: number, promptLength: number): boolean {
  const s = config.ropeScaling;
  if (s.type !== 'longrope') return false;
  const original = s.originalMaxPositionEmbeddings;
  return promptLength > original || pos + 1 > original;
}

/**
 * Table [maxSeq, rot/2, 2]: (cos, sin) of pos · invFreq[i], angles formed in fp32 as PyTorch does, times
 * the attention factor. `promptLength` is the length of the prompt the table will serve (it matters to
 * LongRoPE only, see ropeUsesLongFactors).
 */
export function buildRopeTable(config: RuntimeModelConfig, maxSeq: number, promptLength = 0): Float32Array {
  const short = ropeInverseFrequencies(config, false);
  const long = config.ropeScaling.type === 'longrope' ? ropeInverseFrequencies(config, true) : short;
  const scale = Math.fround(ropeAttentionFactor(config));
  const half = short.length;
  const table = new Float32Array(maxSeq * half * 2);
  for (let p = 0; p < maxSeq; p++) {
    const inv = ropeUsesLongFactors(config, p, promptLength) ? long : short;
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * inv[i]!);
      table[(p * half + i) * 2] = Math.fround(Math.cos(angle)) * scale;
      table[(p * half + i) * 2 + 1] = Math.fround(Math.sin(angle)) * scale;
    }
  }
  return table;
}
