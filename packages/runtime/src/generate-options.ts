/** Options of engine.generate(), their defaults, and the checks that turn a bad value into OptionError. */
import { OptionError } from './errors.js';

export interface GenerateOptions {
  /** New tokens at most (default 128). */
  readonly maxTokens?: number;
  /** Softmax temperature (default 1); 0 is greedy. */
  readonly temperature?: number;
  /** Keep the k most likely tokens (default 0: all). */
  readonly topK?: number;
  /** Nucleus: keep the most likely tokens up to this probability mass (default 1: all). */
  readonly topP?: number;
  /** Seed of the sampler's PRNG (u32; default: a random one, reported in `stats.seed`). */
  readonly seed?: number;
  /** Strings that end the generation; the text stops just before the first one. */
  readonly stop?: string | readonly string[];
  /** Argmax decoding, whatever the temperature. */
  readonly greedy?: boolean;
  /** Token ids never generated (e.g. the end-of-text ids, to force `maxTokens` tokens). */
  readonly suppressTokens?: readonly number[];
}

export interface ResolvedGenerateOptions {
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly seed: number;
  readonly stop: readonly string[];
  readonly suppressTokens: readonly number[];
}

export const DEFAULT_MAX_TOKENS = 128;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export function resolveGenerateOptions(o: GenerateOptions, vocabSize: number): ResolvedGenerateOptions {
  const bad = (what: string): never => {
    throw new OptionError(what);
  };
  const maxTokens = o.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!isInt(maxTokens) || maxTokens < 1) bad(`maxTokens must be a positive integer, got ${maxTokens}`);
  const temperature = o.greedy ? 0 : (o.temperature ?? 1);
  if (!Number.isFinite(temperature) || temperature < 0) bad(`temperature must be >= 0, got ${temperature}`);
  const topK = o.topK ?? 0;
  if (!isInt(topK) || topK < 0) bad(`topK must be a non-negative integer, got ${topK}`);
  const topP = o.topP ?? 1;
  if (!(topP > 0 && topP <= 1)) bad(`topP must be in (0, 1], got ${topP}`);
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 32);
  if (!isInt(seed) || seed < 0 || seed >= 2 ** 32) bad(`seed must be an integer in [0, 2^32), got ${seed}`);
  const stop = typeof o.stop === 'string' ? [o.stop] : [...(o.stop ?? [])];
  if (stop.some((s) => typeof s !== 'string' || s.length === 0))
    bad('stop strings must be non-empty strings');
  const suppressTokens = [...(o.suppressTokens ?? [])];
  for (const t of suppressTokens) {
    if (!isInt(t) || t < 0 || t >= vocabSize)
      bad(`suppressed token ${t} is outside the vocabulary [0, ${vocabSize})`);
  }
  if (suppressTokens.length > 0 && new Set(suppressTokens).size >= vocabSize)
    bad('every token is suppressed');
  return { maxTokens, temperature, topK, topP, seed, stop, suppressTokens };
}
