/**
 * argmax over logits with torch's tie rule (the first index wins), skipping suppressed tokens, and
 * the packed 64-bit key the ARGMAX ops fold with an atomic max on the GPU:
 * key = (orderedBits(f32 logit) << 32) | (0xFFFFFFFF − row), stored as two u32, low word first.
 * A larger logit gives a larger key; on equal logits the smaller row does, matching torch.
 */
import { f32Bits } from './dtype-convert.js';

export function argmax(logits: ArrayLike<number>, suppress: Iterable<number> = []): number {
  const skip = new Set(suppress);
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) {
    if (skip.has(i)) continue;
    const v = logits[i]!;
    // NaN wins, as in torch.argmax; otherwise strictly greater keeps the first of equals.
    if (best < 0 || v > bestValue || (Number.isNaN(v) && !Number.isNaN(bestValue))) {
      best = i;
      bestValue = v;
    }
    if (Number.isNaN(bestValue)) break;
  }
  return best;
}

/** f32 bits mapped so that unsigned order equals float order (−0 sorts just below +0). */
export function orderedBits(x: number): number {
  const b = f32Bits(x);
  return (b & 0x80000000 ? ~b : b ^ 0x80000000) >>> 0;
}

export interface ArgmaxKey {
  readonly low: number;
  readonly high: number;
}

export function argmaxKey(logit: number, row: number): ArgmaxKey {
  return { low: (0xffffffff - row) >>> 0, high: orderedBits(logit) };
}

/** Unsigned 64-bit comparison of two keys given as (low, high) words. */
export function argmaxKeyGreater(aLow: number, aHigh: number, bLow: number, bHigh: number): boolean {
  return aHigh > bHigh || (aHigh === bHigh && aLow > bLow);
}

/** The token a key selects. */
export function argmaxKeyToken(low: number): number {
  return (0xffffffff - low) >>> 0;
}
