import {
  CANDIDATES_PER_LIST,
  type DeviceSampling,
  encodeSamplingParams,
  SAMPLING_WORDS,
} from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { argmax, argmaxKeyToken } from '../maths/argmax.js';
import { largestKeys } from '../maths/candidate-keys.js';
import { roundToBf16 } from '../maths/dtype-convert.js';
import { randomArray, rngFor } from '../testing/test-helpers.js';
import { data, Harness, inst } from '../testing/vm-harness.js';

const rng = rngFor(91);
const [V, H] = [90, 8];
const TILES = [
  [0, 70],
  [70, 20],
] as const;
const ROW = 2 * CANDIDATES_PER_LIST;
const SENTINEL = 0xdeadbeef;

/** Two LM head tiles with candidates (and the sampling words, unless `withSampling` is false), one step run. */
function runLmHead(words: Uint32Array | undefined, withSampling = true) {
  const h = new Harness();
  const W = h.weight('W', randomArray(rng, V * H).map(roundToBf16), [V, H]);
  const x = h.state('x', [H]);
  const logits = h.state('lm', [V]);
  const candidates = h.state('candidates', [TILES.length, ROW], 'u32');
  const sampling = h.state('sampling', [SAMPLING_WORDS], 'u32');
  TILES.forEach(([rowStart, rowCount], i) => {
    h.b.push(
      0,
      inst('FUSED_NORM_LM_HEAD_ARGMAX', {
        x,
        W,
        logits,
        argmax: h.io.argmax,
        candidates,
        ...(withSampling ? { sampling } : {}),
        rowStart,
        rowCount,
        suppressToken: 0xffffffff,
        candidateList: i,
        eps: 1e-5,
        scale: 1,
        flags: ['noWeight'],
      }),
    );
  });
  const run = h.load();
  data(run, x).set(randomArray(rng, H));
  data<Uint32Array>(run, candidates).fill(SENTINEL);
  if (words) data<Uint32Array>(run, sampling).set(words);
  run.runStep(0);
  return {
    logits: data(run, logits),
    candidates: data<Uint32Array>(run, candidates),
    token: argmaxKeyToken(data<Uint32Array>(run, h.io.argmax)[0]!),
  };
}

/** Each tile's row as SAMPLE reads it: its 64 largest keys, (low, high) words, 0 pads. */
function expectedRows(logits: Float32Array): number[] {
  return TILES.flatMap(([r0, n]) => {
    const row = new Array<number>(ROW).fill(0);
    largestKeys(logits, r0, n, 0xffffffff, CANDIDATES_PER_LIST).forEach((k, i) => {
      row[2 * i] = k.low;
      row[2 * i + 1] = k.high;
    });
    return row;
  });
}

/** Words with any topK and temperature (encodeSamplingParams writes greedy settings as zeroed words). */
function words(topK: number, temperature: number, topP = 1): Uint32Array {
  const w = new Uint32Array(SAMPLING_WORDS);
  w[0] = topK;
  new DataView(w.buffer).setFloat64(8, temperature, true);
  new DataView(w.buffer).setFloat64(16, topP, true);
  return w;
}

describe('FUSED_NORM_LM_HEAD_ARGMAX candidates and the sampling words', () => {
  const sampled: DeviceSampling = { temperature: 0.8, topK: 40, topP: 0.95 };

  it.each([
    ['zeroed words', new Uint32Array(SAMPLING_WORDS)],
    ['greedy settings as the host writes them', encodeSamplingParams({ temperature: 0, topK: 0, topP: 1 })],
    ['topK 1 with a temperature', words(1, 0.8, 0.9)],
    ['temperature 0 with topK 40', words(40, 0, 0.95)],
  ])('greedy words (%s) leave the candidates untouched and still fold the argmax', (_what, w) => {
    const { logits, candidates, token } = runLmHead(w);
    expect(candidates.every((v) => v === SENTINEL)).toBe(true);
    expect(token).toBe(argmax(logits));
  });

  it('sampling words make each tile write its 64 largest keys, 0 past a short tile', () => {
    const { logits, candidates, token } = runLmHead(encodeSamplingParams(sampled));
    expect(Array.from(candidates)).toEqual(expectedRows(logits));
    // The 20-row tile pads: 44 keys of 0.
    expect(candidates.subarray(ROW + 40, 2 * ROW).every((v) => v === 0)).toBe(true);
    expect(token).toBe(argmax(logits));
  });

  it('without the sampling operand the candidates are written, whatever the words hold', () => {
    const { logits, candidates } = runLmHead(new Uint32Array(SAMPLING_WORDS), false);
    expect(Array.from(candidates)).toEqual(expectedRows(logits));
  });
});
