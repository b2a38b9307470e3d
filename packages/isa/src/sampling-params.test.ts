import { describe, expect, it } from 'vitest';
import { SAMPLING_WORDS } from './ops/shared.js';
import { decodeSamplingParams, encodeSamplingParams, greedySamplingWords } from './sampling-params.js';

describe('the sampling words', () => {
  it('decode to the settings encodeSamplingParams wrote', () => {
    const s = { temperature: 0.8, topK: 40, topP: 0.95 };
    expect(decodeSamplingParams(encodeSamplingParams(s))).toEqual(s);
    // A view into a larger arena (as the VMs hold state tensors) decodes from its own offset.
    const arena = new Uint32Array(4 + SAMPLING_WORDS);
    arena.set(encodeSamplingParams(s), 4);
    expect(decodeSamplingParams(arena.subarray(4))).toEqual(s);
  });

  it('are greedy for zeroed words, topK 1 and temperature 0, as SAMPLE keeps the argmax for them', () => {
    const words = (topK: number, temperature: number) => {
      const w = encodeSamplingParams({ temperature: 0.5, topK: 2, topP: 1 });
      w[0] = topK;
      new DataView(w.buffer).setFloat64(8, temperature, true);
      return decodeSamplingParams(w);
    };
    expect(greedySamplingWords(decodeSamplingParams(new Uint32Array(SAMPLING_WORDS)))).toBe(true);
    expect(
      greedySamplingWords(decodeSamplingParams(encodeSamplingParams({ temperature: 0.8, topK: 1, topP: 1 }))),
    ).toBe(true);
    expect(greedySamplingWords(words(1, 0.5))).toBe(true);
    expect(greedySamplingWords(words(40, 0))).toBe(true);
    expect(greedySamplingWords(words(2, 0.5))).toBe(false);
    expect(greedySamplingWords(words(64, 1.5))).toBe(false);
  });
});
