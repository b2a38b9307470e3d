/**
 * RoPE frequencies and the (cos, sin) table that programs reference as a `rope-table` state tensor.
 * Part of the contract: both VMs read the table, neither recomputes it.
 */
import { type RuntimeModelConfig, rotaryDim } from './model-config.js';

/** invFreq[i] for i < rot/2, following Hugging Face (fp32 base frequencies, then the scaling rule). */
export function ropeInverseFrequencies(config: RuntimeModelConfig): Float32Array {
  const rot = rotaryDim(config);
  const half = rot / 2;
  const out = new Float32Array(half);
  const s = config.ropeScaling;
  for (let i = 0; i < half; i++) {
    let inv = Math.fround(1 / Math.fround(config.ropeTheta ** Math.fround((2 * i) / rot)));
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
    }
    out[i] = inv;
  }
  return out;
}

/** Table [maxSeq, rot/2, 2]: (cos, sin) of pos · invFreq[i], angles formed in fp32 as PyTorch does. */
export function buildRopeTable(config: RuntimeModelConfig, maxSeq: number): Float32Array {
  const inv = ropeInverseFrequencies(config);
  const half = inv.length;
  const table = new Float32Array(maxSeq * half * 2);
  for (let p = 0; p < maxSeq; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * inv[i]!);
      table[(p * half + i) * 2] = Math.cos(angle);
      table[(p * half + i) * 2 + 1] = Math.sin(angle);
    }
  }
  return table;
}
