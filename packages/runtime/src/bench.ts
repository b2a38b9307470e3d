/** Decode throughput of a session: greedy steps from a start token, timed after a short warm-up. */
import type { DeviceSampling } from '@megakernel/isa';
import { argmax, createRng } from '@megakernel/reference-cpu';
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

/** The settings `bench` times sampling with (issue 9): temperature 0.8, top-p 0.95, top-k 40. */
export const BENCH_SAMPLING: DeviceSampling = { temperature: 0.8, topK: 40, topP: 0.95 };

/**
 * Decode throughput with the tokens drawn by the session's device sampler, `perLaunch` a launch, as
 * generate() runs it; null when the session has none or it does not serve `sampling`.
 */
export async function benchDeviceDecode(
  session: DecodeSession,
  options: { tokens: number; sampling: DeviceSampling; perLaunch?: number; warmup?: number; seed?: number },
): Promise<DecodeBenchResult | null> {
  const sample = session.sampleOnDevice?.bind(session);
  if (!sample || !session.servesOnDevice?.(options.sampling)) return null;
  const perLaunch = options.perLaunch ?? 32;
  const warmup = options.warmup ?? 2;
  if (warmup + options.tokens > session.maxSeqLen) {
    throw new RangeError(`${warmup} + ${options.tokens} tokens exceed the context of ${session.maxSeqLen}`);
  }
  const rng = createRng(options.seed ?? 1);
  session.reset();
  let token = (await sample([0], warmup, options.sampling, rng)).at(-1)!;
  const t0 = performance.now();
  for (let done = 0; done < options.tokens; ) {
    const n = Math.min(perLaunch, options.tokens - done);
    token = (await sample([token], n, options.sampling, rng)).at(-1)!;
    done += n;
  }
  const ms = performance.now() - t0;
  session.reset();
  return { tokens: options.tokens, ms, tokensPerSecond: (options.tokens * 1000) / ms };
}
