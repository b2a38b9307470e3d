import { describe, expect, it } from 'vitest';
import type { RuntimeModelConfig } from './model-config.js';
import { PRESET_NAMES, preset } from './presets.js';
import { TINY_CONFIG } from './testing/tiny-program.js';
import { validateModelConfig } from './validate-config.js';

const rules = (c: unknown): string[] => validateModelConfig(c).map((v) => `${v.field}:${v.rule}`);

describe('validateModelConfig', () => {
  it('accepts every preset and the test model', () => {
    for (const name of PRESET_NAMES) expect(rules(preset(name)), name).toEqual([]);
    expect(rules(TINY_CONFIG)).toEqual([]);
  });

  it('reports each semantic violation by field and rule', () => {
    const c = (over: Partial<RuntimeModelConfig>) => rules({ ...TINY_CONFIG, ...over });
    expect(c({ hiddenSize: 0 })).toEqual(['hiddenSize:positive']);
    expect(c({ numKvHeads: 3 })).toEqual(['numKvHeads:divides-num-heads']);
    expect(c({ headDim: 5 })).toEqual(['headDim:even-for-rope']);
    expect(c({ headDim: 5, position: 'learned' })).toEqual([]);
    expect(c({ partialRotaryFactor: 0.1 })).toEqual(['partialRotaryFactor:rotates-at-least-one-pair']);
    expect(c({ partialRotaryFactor: 1.5 })).toEqual(['partialRotaryFactor:in-(0,1]']);
    expect(c({ normEps: 0 })).toEqual(['normEps:positive']);
    expect(c({ normBias: true })).toEqual(['normBias:bias-needs-layer-norm']);
    expect(c({ slidingWindow: 0 })).toEqual(['slidingWindow:positive-or-null']);
    expect(c({ eosTokenIds: [2, 32] })).toEqual(['eosTokenIds[1]:token-in-vocab']);
    expect(c({ ropeScaling: { type: 'linear', factor: 0 } })).toEqual(['ropeScaling.factor:positive']);
  });

  it('reports wrong JSON types instead of throwing', () => {
    expect(rules(null)).toEqual([':wrong-type']);
    expect(rules([])).toEqual([':wrong-type']);
    expect(rules({ ...TINY_CONFIG, numLayers: '2', norm: 'batch', ropeScaling: { type: 'linear' } })).toEqual(
      ['numLayers:wrong-type', 'norm:wrong-type', 'ropeScaling:wrong-type'],
    );
    const { vocabSize: _v, ...missing } = TINY_CONFIG;
    expect(rules(missing)).toEqual(['vocabSize:wrong-type']);
    expect(rules({ ...TINY_CONFIG, normEps: Number.NaN })).toEqual(['normEps:wrong-type']);
  });
});
