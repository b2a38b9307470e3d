/** Decode throughput of a session: greedy steps from a start token, timed after a short warm-up. */
import { argmax } from '@megakernel/reference-cpu';
import type { DecodeSession } from './backend.js';

export interface DecodeBenchResult {
  readonly tokens: number;
  readonly ms: number;
  readonly tokensPerSecond: number;
}

export async function benchDecode(
  session: DecodeSession,
  options: { tokens: number; warmup?: number; startToken?: number },
): Promise<DecodeBenchResult> {
  const warmup = options.warmup ?? 2;
  if (warmup + options.tokens > session.maxSeqLen) {
    throw new RangeError(`${warmup} + ${options.tokens} tokens exceed the context of ${session.maxSeqLen}`);
  }
  session.reset();
  let token = options.startToken ?? 0;
  for (let i = 0; i < warmup; i++) token = argmax(await session.step(token));
  const t0 = performance.now();
  for (let i = 0; i < options.tokens; i++) token = argmax(await session.step(token));
  const ms = performance.now() - t0;
  session.reset();
  return { tokens: options.tokens, ms, tokensPerSecond: (options.tokens * 1000) / ms };
}
