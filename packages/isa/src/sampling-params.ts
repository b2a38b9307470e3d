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

/** SAMPLE's parameters as the words hold them: topK as written (0 for greedy settings). */
export interface SamplingWords {
  readonly topK: number;
  readonly temperature: number;
  readonly topP: number;
}

/** The parameters in SAMPLE's words (the first 6 of SAMPLING_WORDS), as both VMs read them. */
export function decodeSamplingParams(words: Uint32Array): SamplingWords {
  const view = new DataView(words.buffer, words.byteOffset, words.byteLength);
  return { topK: words[0]!, temperature: view.getFloat64(8, true), topP: view.getFloat64(16, true) };
}

/**
 * Whether SAMPLE keeps the argmax under these words (topK 0 or 1, zeroed words included, or
 * temperature 0): the LM head then needs no candidates.
 */
export const greedySamplingWords = (w: SamplingWords): boolean => w.topK <= 1 || w.temperature === 0;

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
