/**
 * The keys SAMPLE draws from: argmax keys (see argmax.ts) kept as (low, high) word pairs, largest
 * first. The LM head tiles keep their 64 largest; SAMPLE merges every tile's list.
 */
import { argmaxKey, argmaxKeyToken } from './argmax.js';
import { f32FromBits } from './dtype-convert.js';

export interface CandidateKey {
  readonly low: number;
  readonly high: number;
}

/** Descending unsigned order of the 64-bit keys. */
export const byKeyDescending = (a: CandidateKey, b: CandidateKey): number => b.high - a.high || b.low - a.low;

/** The `count` largest keys of rows [rowStart, rowStart + rowCount) of `logits` (NaN and `suppress` skipped). */
export function largestKeys(
  logits: ArrayLike<number>,
  rowStart: number,
  rowCount: number,
  suppress: number,
  count: number,
): CandidateKey[] {
  const keys: CandidateKey[] = [];
  for (let r = rowStart; r < rowStart + rowCount; r++) {
    const v = logits[r]!;
    if (r !== suppress && !Number.isNaN(v)) keys.push(argmaxKey(v, r));
  }
  return keys.sort(byKeyDescending).slice(0, count);
}

/** The logit a key was made from (orderedBits inverted) and its token. */
export function keyLogit(key: CandidateKey): number {
  return f32FromBits((key.high & 0x80000000 ? key.high ^ 0x80000000 : ~key.high) >>> 0);
}
export const keyToken = (key: CandidateKey): number => argmaxKeyToken(key.low);
