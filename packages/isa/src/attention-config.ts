/**
 * The u16 attention-config code of the seeds (prior-art A.4), kept bit-compatible: type in bits 0-3,
 * position embedding in bits 4-7, mask in bits 8-11, feature bits 12-15. Programs do not put it in
 * instructions (ATTENTION_PARTIAL carries the window and scale itself); it summarises a model's
 * attention for reports, the CLI and the GPU backend's capability check.
 */
import { FieldRangeError } from './errors.js';
import { type RuntimeModelConfig, rotaryDim } from './model-config.js';

export const ATTN_TYPE_CODES = { mha: 0x0, gqa: 0x1, mqa: 0x2, mla: 0x3 } as const;
export const ATTN_POSITION_CODES = {
  none: 0x0,
  rope: 0x1,
  alibi: 0x2,
  learned: 0x3,
  'rope-partial': 0x4,
} as const;
export const ATTN_MASK_CODES = {
  none: 0x0,
  causal: 0x1,
  'sliding-window': 0x2,
  'block-sparse': 0x3,
} as const;
export const ATTN_FEATURE_BITS = { flash: 0x1, paged: 0x2, softmaxScale: 0x4 } as const;

export const ATTN_TYPE_SHIFT = 0;
export const ATTN_POSITION_SHIFT = 4;
export const ATTN_MASK_SHIFT = 8;
export const ATTN_FEATURE_SHIFT = 12;

export type AttentionType = keyof typeof ATTN_TYPE_CODES;
export type AttentionPosition = keyof typeof ATTN_POSITION_CODES;
export type AttentionMask = keyof typeof ATTN_MASK_CODES;
export type AttentionFeature = keyof typeof ATTN_FEATURE_BITS;

export interface AttentionConfig {
  readonly type: AttentionType;
  readonly position: AttentionPosition;
  readonly mask: AttentionMask;
  readonly features: readonly AttentionFeature[];
}

const nameOf = <K extends string>(codes: Readonly<Record<K, number>>, code: number): K | undefined =>
  (Object.keys(codes) as K[]).find((k) => codes[k] === code);

export function encodeAttentionConfig(c: AttentionConfig): number {
  let features = 0;
  for (const f of c.features) {
    const bit = ATTN_FEATURE_BITS[f];
    if (bit === undefined) throw new FieldRangeError('attentionConfig.features', f, 'a known feature');
    features |= bit;
  }
  const type = ATTN_TYPE_CODES[c.type];
  const position = ATTN_POSITION_CODES[c.position];
  const mask = ATTN_MASK_CODES[c.mask];
  if (type === undefined) throw new FieldRangeError('attentionConfig.type', c.type, 'a known attention type');
  if (position === undefined)
    throw new FieldRangeError('attentionConfig.position', c.position, 'a known position');
  if (mask === undefined) throw new FieldRangeError('attentionConfig.mask', c.mask, 'a known mask');
  return (
    (type << ATTN_TYPE_SHIFT) |
    (position << ATTN_POSITION_SHIFT) |
    (mask << ATTN_MASK_SHIFT) |
    (features << ATTN_FEATURE_SHIFT)
  );
}

/** Decodes a u16 code; an unassigned value in any nibble throws FieldRangeError. */
export function decodeAttentionConfig(code: number): AttentionConfig {
  if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
    throw new FieldRangeError('attentionConfig', code, 'a u16');
  }
  const type = nameOf(ATTN_TYPE_CODES, (code >> ATTN_TYPE_SHIFT) & 0xf);
  const position = nameOf(ATTN_POSITION_CODES, (code >> ATTN_POSITION_SHIFT) & 0xf);
  const mask = nameOf(ATTN_MASK_CODES, (code >> ATTN_MASK_SHIFT) & 0xf);
  const featureBits = (code >> ATTN_FEATURE_SHIFT) & 0xf;
  const hex = `0x${code.toString(16).padStart(4, '0')}`;
  if (type === undefined) throw new FieldRangeError('attentionConfig.type', hex, 'a known attention type');
  if (position === undefined) throw new FieldRangeError('attentionConfig.position', hex, 'a known position');
  if (mask === undefined) throw new FieldRangeError('attentionConfig.mask', hex, 'a known mask');
  const features = (Object.keys(ATTN_FEATURE_BITS) as AttentionFeature[]).filter(
    (f) => (featureBits & ATTN_FEATURE_BITS[f]) !== 0,
  );
  const known = features.reduce((m, f) => m | ATTN_FEATURE_BITS[f], 0);
  if (known !== featureBits) throw new FieldRangeError('attentionConfig.features', hex, 'known feature bits');
  return { type, position, mask, features };
}

/**
 * The code for a model: MHA/GQA/MQA from the head counts, the position embedding (partial RoPE when
 * fewer than all head dims rotate), sliding window or causal, and the flash feature every VM
 * implements (chunked softmax with LSE). softmaxScale marks a scale other than 1/sqrt(headDim).
 */
export function attentionConfigFor(config: RuntimeModelConfig): AttentionConfig {
  const type: AttentionType =
    config.numKvHeads === config.numHeads ? 'mha' : config.numKvHeads === 1 ? 'mqa' : 'gqa';
  let position: AttentionPosition = config.position;
  if (position === 'rope' && rotaryDim(config) < config.headDim) position = 'rope-partial';
  const mask: AttentionMask = config.slidingWindow !== null ? 'sliding-window' : 'causal';
  const features: AttentionFeature[] = ['flash'];
  if (Math.fround(config.attentionScale) !== Math.fround(1 / Math.sqrt(config.headDim)))
    features.push('softmaxScale');
  return { type, position, mask, features };
}
