import { describe, expect, it } from 'vitest';
import { kvDim, qkvDim, rotaryDim } from './model-config.js';
import { PRESET_NAMES, preset } from './presets.js';

describe('presets', () => {
  it('llama-3.2-1b has the published fused QKV width', () => {
    const c = preset('llama-3.2-1b');
    expect(qkvDim(c)).toBe(2048 + 2 * 512);
    expect(kvDim(c)).toBe(512);
    expect(rotaryDim(c)).toBe(64);
  });
  it('gpt2 has no rotary dims and MHA', () => {
    const c = preset('gpt2-124m');
    expect(rotaryDim(c)).toBe(0);
    expect(c.numKvHeads).toBe(c.numHeads);
  });
  it('rejects an unknown preset naming the known ones', () => {
    expect(() => preset('llama-9000')).toThrow(/known presets: .*llama-3.2-1b/);
  });
  it('every preset has head counts that divide', () => {
    for (const name of PRESET_NAMES) {
      const c = preset(name);
      expect(c.numHeads % c.numKvHeads).toBe(0);
    }
  });
});
