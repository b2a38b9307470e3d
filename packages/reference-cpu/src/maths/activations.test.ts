import { describe, expect, it } from 'vitest';
import { maxAbsDiff, randomArray, rngFor } from '../testing/test-helpers.js';
import { applyActivation, geglu, gelu, geluTanh, relu, silu, swiglu } from './activations.js';
import { erf, erfc } from './erf.js';

// Reference values from CPython's math.erf / math.erfc (correctly rounded libm) and closed forms.
const ERF: readonly [number, number, number][] = [
  [0.1, 0.1124629160182849, 0.8875370839817152],
  [0.5, 0.5204998778130465, 0.4795001221869535],
  [1, 0.8427007929497149, 0.15729920705028513],
  [1.5, 0.9661051464753108, 0.033894853524689274],
  [2, 0.9953222650189527, 0.004677734981047265],
  [3, 0.9999779095030014, 2.2090496998585438e-5],
  [4, 0.9999999845827421, 1.541725790028002e-8],
  [5, 0.9999999999984626, 1.5374597944280351e-12],
];

describe('erf', () => {
  // Tolerance: 1e-14 relative for erf (the brief asks for 1e-7); erfc 1e-10 relative, because
  // below the series/fraction switch erfc = 1 − erf loses digits to cancellation.
  it.each(ERF)('matches the correctly rounded value at %f', (x, e, ec) => {
    expect(Math.abs(erf(x) - e) / e).toBeLessThan(1e-14);
    expect(Math.abs(erf(-x) + e) / e).toBeLessThan(1e-14);
    expect(Math.abs(erfc(x) - ec) / ec).toBeLessThan(1e-10);
  });
  it('is 0 at 0, saturates at ±1 and passes NaN', () => {
    expect(erf(0)).toBe(0);
    expect(erf(10)).toBe(1);
    expect(erf(-10)).toBe(-1);
    expect(erf(Number.NaN)).toBeNaN();
  });
  it('is continuous where the two expansions meet', () => {
    expect(Math.abs(erf(2.5 - 1e-12) - erf(2.5))).toBeLessThan(1e-14);
  });
});

describe('activations', () => {
  it('silu is x·sigmoid(x)', () => {
    expect(silu(0)).toBe(0);
    expect(silu(1)).toBeCloseTo(0.7310585786300049, 15);
    expect(silu(2)).toBeCloseTo(1.7615941559557646, 15);
  });
  it('gelu is x·Φ(x) with the exact erf', () => {
    expect(gelu(1)).toBeCloseTo(0.8413447460685429, 15);
    expect(gelu(-1)).toBeCloseTo(-0.15865525393145707, 15);
    expect(gelu(3)).toBeCloseTo(2.99595030590511, 14);
    expect(gelu(-3)).toBeCloseTo(-0.004049694094890287, 15);
  });
  it('geluTanh is GPT-2 gelu_new', () => {
    expect(geluTanh(1)).toBeCloseTo(0.8411919906082768, 15);
    expect(geluTanh(-1)).toBeCloseTo(-0.15880800939172324, 15);
    expect(geluTanh(0)).toBe(0);
  });
  it('relu clamps negatives and keeps NaN', () => {
    expect([relu(-2), relu(0), relu(3.5)]).toEqual([0, 0, 3.5]);
    expect(relu(Number.NaN)).toBeNaN();
  });
  it('swiglu and geglu are act(gate)·up elementwise, on any length', () => {
    const rng = rngFor(31);
    for (const n of [1, 13, 100]) {
      const g = randomArray(rng, n, 4);
      const u = randomArray(rng, n, 4);
      const sig = (v: number): number => 1 / (1 + Math.exp(-v));
      const phi = (v: number): number => 0.5 * (1 + erf(v / Math.SQRT2));
      expect(
        maxAbsDiff(
          swiglu(g, u),
          Array.from(g, (v, i) => v * sig(v) * u[i]!),
        ),
      ).toBeLessThan(1e-6);
      expect(
        maxAbsDiff(
          geglu(g, u),
          Array.from(g, (v, i) => v * phi(v) * u[i]!),
        ),
      ).toBeLessThan(1e-6);
      expect(
        maxAbsDiff(
          applyActivation('relu', g),
          Array.from(g, (v) => Math.max(v, 0)),
        ),
      ).toBe(0);
    }
  });
});
