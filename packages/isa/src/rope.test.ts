import { describe, expect, it } from 'vitest';
import type { RuntimeModelConfig } from './model-config.js';
import { buildRopeTable, ropeInverseFrequencies, ropeUsesLongFactors } from './rope.js';
import { TINY_CONFIG } from './testing/tiny-program.js';
import { validateModelConfig } from './validate-config.js';

// head_dim 8 with partial rotary 0.75: 6 rotated dims, 3 pairs (not a power of two).
const longRope: RuntimeModelConfig = {
  ...TINY_CONFIG,
  architecture: 'phi3',
  numHeads: 2,
  numKvHeads: 1,
  headDim: 8,
  partialRotaryFactor: 0.75,
  ropeTheta: 10000,
  ropeScaling: {
    type: 'longrope',
    factor: 4,
    shortFactor: [1, 1.25, 1.5],
    longFactor: [2, 3, 5],
    originalMaxPositionEmbeddings: 8,
    attentionFactor: 1.3,
  },
};

describe('LongRoPE', () => {
  it('divides each base frequency by its short or long factor (the paper formula, in doubles)', () => {
    for (const [long, factors] of [
      [false, [1, 1.25, 1.5]],
      [true, [2, 3, 5]],
    ] as const) {
      const got = ropeInverseFrequencies(longRope, long);
      const want = factors.map((f, i) => 1 / (f * 10000 ** ((2 * i) / 6)));
      expect(got.length).toBe(3);
      for (let i = 0; i < 3; i++) expect(Math.abs(got[i]! - want[i]!) / want[i]!).toBeLessThan(1e-6);
    }
  });

  it('takes the long factors from the original context on, or everywhere after a longer prompt', () => {
    const at = (pos: number, prompt: number) => ropeUsesLongFactors(longRope, pos, prompt);
    expect([0, 6, 7, 8, 9].map((p) => at(p, 5))).toEqual([false, false, false, true, true]);
    expect([0, 7, 8].map((p) => at(p, 8))).toEqual([false, false, true]);
    expect([0, 7, 8].map((p) => at(p, 9))).toEqual([true, true, true]);
    expect(ropeUsesLongFactors(TINY_CONFIG, 1000, 1000)).toBe(false);
  });

  it('scales the table by the attention factor, rows switching factors at the original context', () => {
    const half = 3;
    const table = buildRopeTable(longRope, 12, 3);
    for (const p of [0, 3, 7, 8, 11]) {
      const factors = p >= 8 ? [2, 3, 5] : [1, 1.25, 1.5];
      for (let i = 0; i < half; i++) {
        const angle = p / (factors[i]! * 10000 ** ((2 * i) / 6));
        expect(table[(p * half + i) * 2]).toBeCloseTo(1.3 * Math.cos(angle), 5);
        expect(table[(p * half + i) * 2 + 1]).toBeCloseTo(1.3 * Math.sin(angle), 5);
      }
    }
    // A prompt past the original context: row 3 takes the long factors.
    const long = buildRopeTable(longRope, 12, 9);
    expect(long[(3 * half + 2) * 2]).toBeCloseTo(1.3 * Math.cos(3 / (5 * 10000 ** (4 / 6))), 5);
  });

  it('validation names factor lists that do not hold one entry per rotated pair', () => {
    const s = longRope.ropeScaling as Extract<RuntimeModelConfig['ropeScaling'], { type: 'longrope' }>;
    const rules = validateModelConfig({ ...longRope, ropeScaling: { ...s, longFactor: [2, 3] } }).map(
      (v) => `${v.field}:${v.rule}`,
    );
    expect(rules).toEqual(['ropeScaling.longFactor:one-per-rotary-pair']);
    expect(validateModelConfig(longRope)).toEqual([]);
  });
});
