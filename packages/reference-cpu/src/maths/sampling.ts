/**
 * Seeded sampling from logits: temperature, then top-k, then top-p (nucleus), then one draw.
 * Temperature 0 (or top-k 1) is greedy argmax.
 */
import { argmax } from './argmax.js';
import type { Rng } from './prng.js';

export interface SamplingOptions {
  /** Divides the logits; 0 means greedy. Default 1. */
  readonly temperature?: number;
  /** Keep the k most likely tokens (0 or undefined: all). */
  readonly topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 or undefined: all). */
  readonly topP?: number;
  /** Tokens never drawn. */
  readonly suppress?: Iterable<number>;
}

/** The candidate tokens and their renormalised probabilities, most likely first (ties: lower id first). */
export function samplingDistribution(
  logits: ArrayLike<number>,
  opts: SamplingOptions = {},
): { tokens: number[]; probs: number[] } {
  const temperature = opts.temperature ?? 1;
  const skip = new Set(opts.suppress ?? []);
  const ids: number[] = [];
  for (let i = 0; i < logits.length; i++) if (!skip.has(i)) ids.push(i);
  if (ids.length === 0) throw new RangeError('samplingDistribution: every token is suppressed');
  ids.sort((a, b) => logits[b]! - logits[a]! || a - b);
  const kept = opts.topK && opts.topK > 0 ? ids.slice(0, opts.topK) : ids;
  const probs = nucleusProbabilities(
    kept.map((i) => logits[i]!),
    temperature,
    opts.topP ?? 1,
  );
  return { tokens: kept.slice(0, probs.length), probs };
}

/**
 * The renormalised probabilities of the top-p prefix of `ranked` (logits, most likely first), in f64
 * and in this order of operations: the device sampler (SAMPLE) computes exactly these.
 */
export function nucleusProbabilities(ranked: readonly number[], temperature: number, topP: number): number[] {
  const max = ranked[0]!;
  let weights = ranked.map((l) => Math.exp((l - max) / temperature));
  let total = weights.reduce((s, w) => s + w, 0);
  if (topP < 1) {
    // Include tokens until the mass before the next one already reaches p (the crossing token stays).
    let mass = 0;
    let n = 0;
    while (n < weights.length && mass < topP * total) mass += weights[n++]!;
    weights = weights.slice(0, Math.max(1, n));
    total = weights.reduce((s, w) => s + w, 0);
  }
  return weights.map((w) => w / total);
}

/** The index the uniform draw u picks: the first whose cumulative probability exceeds u, else the last. */
export function drawIndex(probs: readonly number[], u: number): number {
  let c = 0;
  for (let i = 0; i < probs.length; i++) {
    c += probs[i]!;
    if (u < c) return i;
  }
  return probs.length - 1;
}

export function sampleToken(logits: ArrayLike<number>, rng: Rng, opts: SamplingOptions = {}): number {
  if ((opts.temperature ?? 1) === 0 || opts.topK === 1) return argmax(logits, opts.suppress ?? []);
  const { tokens, probs } = samplingDistribution(logits, opts);
  return tokens[drawIndex(probs, rng.nextFloat())]!;
}
