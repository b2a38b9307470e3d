/** A mixture of experts' routing: which experts a token goes to, and with what weights. */
import { softmax } from './softmax.js';

export interface Routing {
  /** The chosen experts, most probable first (ties: the lower index first). */
  readonly experts: readonly number[];
  /** Their weights: f32 probabilities, divided by their f32 sum when normalised. */
  readonly weights: readonly number[];
}

/**
 * softmax(logits) rounded to f32 (transformers' float32 softmax), the topK largest, and, when
 * `normalize`, each divided by the chosen ones' sum (Mixtral).
 */
export function routeTopK(logits: ArrayLike<number>, topK: number, normalize: boolean): Routing {
  const p = Array.from(softmax(logits), (v) => Math.fround(v));
  const order = p.map((_, e) => e).sort((a, b) => p[b]! - p[a]! || a - b);
  const experts = order.slice(0, topK);
  let sum = 0;
  for (const e of experts) sum = Math.fround(sum + p[e]!);
  const weights = experts.map((e) => (normalize ? Math.fround(p[e]! / sum) : p[e]!));
  return { experts, weights };
}
