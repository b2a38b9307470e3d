/** Greedy generation with the KV cache: the prompt goes through the cache token by token, then argmax. */
import type { Checkpoint } from '@megakernel/model';
import { argmax } from '../maths/argmax.js';
import { ForwardDecoder } from './decode-session.js';
import type { DecoderWeights } from './decoder-weights.js';

export interface GenerateGreedyOptions {
  /** Tokens never chosen (transformers' min_new_tokens masks eos this way). */
  readonly suppressTokens?: readonly number[];
  /** Cache capacity; default prompt + n. */
  readonly maxSeqLen?: number;
}

/** Returns the n tokens generated after the prompt. */
export function generateGreedy(
  checkpoint: Checkpoint | DecoderWeights,
  inputIds: readonly number[],
  n: number,
  opts: GenerateGreedyOptions = {},
): number[] {
  if (inputIds.length === 0) throw new RangeError('generateGreedy: empty prompt');
  const decoder = new ForwardDecoder(checkpoint, {
    maxSeqLen: opts.maxSeqLen ?? inputIds.length + n,
  });
  decoder.reset(inputIds.length);
  let logits: Float32Array = new Float32Array(0);
  for (const t of inputIds) logits = decoder.step(t);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const next = argmax(logits, opts.suppressTokens ?? []);
    out.push(next);
    if (i + 1 < n) logits = decoder.step(next);
  }
  return out;
}
