/**
 * SAMPLE's parameter words (ops/sample.ts), as a host writes them: topK, 0, temperature and topP as
 * f64 (low word first), 0, 0. Greedy settings are written as topK 0, which leaves the argmax key.
 */
import { CANDIDATES_PER_LIST, SAMPLING_WORDS } from './ops/shared.js';

export interface DeviceSampling {
  readonly temperature: number;
  /** 0: every token (which the device sampler cannot serve unless greedy). */
  readonly topK: number;
  readonly topP: number;
}

export const isGreedySampling = (s: DeviceSampling): boolean => s.temperature === 0 || s.topK === 1;

/** Whether SAMPLE draws what the host sampler draws: greedy, or top-k within a tile's candidates. */
export function deviceSamplerServes(s: DeviceSampling): boolean {
  return isGreedySampling(s) || (s.topK >= 2 && s.topK <= CANDIDATES_PER_LIST);
}

export function encodeSamplingParams(s: DeviceSampling): Uint32Array {
  if (!deviceSamplerServes(s))
    throw new RangeError(
      `the device sampler serves top-k 2..${CANDIDATES_PER_LIST} or greedy, not top-k ${s.topK}`,
    );
  const words = new Uint32Array(SAMPLING_WORDS);
  const view = new DataView(words.buffer);
  words[0] = isGreedySampling(s) ? 0 : s.topK;
  view.setFloat64(8, s.temperature, true);
  view.setFloat64(16, s.topP, true);
  return words;
}
