import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTN_FEATURE_BITS,
  ATTN_MASK_CODES,
  ATTN_POSITION_CODES,
  ATTN_TYPE_CODES,
  type AttentionConfig,
  type AttentionFeature,
  attentionConfigFor,
  decodeAttentionConfig,
  encodeAttentionConfig,
} from './attention-config.js';
import { FieldRangeError } from './errors.js';
import { preset } from './presets.js';

const keys = <T extends object>(o: T) => Object.keys(o) as (keyof T)[];
const arbConfig: fc.Arbitrary<AttentionConfig> = fc.record({
  type: fc.constantFrom(...keys(ATTN_TYPE_CODES)),
  position: fc.constantFrom(...keys(ATTN_POSITION_CODES)),
  mask: fc.constantFrom(...keys(ATTN_MASK_CODES)),
  features: fc.subarray(keys(ATTN_FEATURE_BITS) as AttentionFeature[]),
});

describe('attention-config u16', () => {
  it('matches the seed presets (prior-art A.4): Llama 0x1111, GPT-2 0x1130, Mistral 0x1211', () => {
    expect(encodeAttentionConfig(attentionConfigFor(preset('llama-3.2-1b')))).toBe(0x1111);
    expect(encodeAttentionConfig(attentionConfigFor(preset('gpt2-124m')))).toBe(0x1130);
    expect(encodeAttentionConfig(attentionConfigFor(preset('mistral-7b')))).toBe(0x1211);
  });

  it('puts each field in its nibble', () => {
    expect(
      encodeAttentionConfig({
        type: 'mla',
        position: 'rope-partial',
        mask: 'block-sparse',
        features: ['paged', 'softmaxScale'],
      }),
    ).toBe(0x6343);
    expect(encodeAttentionConfig({ type: 'mha', position: 'none', mask: 'none', features: [] })).toBe(0);
  });

  it('round-trips every combination (property)', () => {
    fc.assert(
      fc.property(arbConfig, (c) => {
        const back = decodeAttentionConfig(encodeAttentionConfig(c));
        return (
          back.type === c.type &&
          back.position === c.position &&
          back.mask === c.mask &&
          [...back.features].sort().join() === [...c.features].sort().join()
        );
      }),
    );
  });

  it('rejects codes with unassigned values and non-u16 input', () => {
    for (const bad of [0x0004, 0x0050, 0x0400, 0x8000, 0x10000, -1, 1.5]) {
      expect(() => decodeAttentionConfig(bad), `0x${bad.toString(16)}`).toThrow(FieldRangeError);
    }
    expect(() =>
      encodeAttentionConfig({ type: 'xqa' as 'mha', position: 'none', mask: 'none', features: [] }),
    ).toThrow(FieldRangeError);
  });

  it('derives MQA, partial RoPE and a non-default softmax scale from the model config', () => {
    const base = preset('llama-3.2-1b');
    const c = attentionConfigFor({ ...base, numKvHeads: 1, partialRotaryFactor: 0.5, attentionScale: 0.1 });
    expect(c).toEqual({
      type: 'mqa',
      position: 'rope-partial',
      mask: 'causal',
      features: ['flash', 'softmaxScale'],
    });
  });
});
