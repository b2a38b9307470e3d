/**
 * One generate() call: prefill the prompt (in prefill steps where the session has them, else token by
 * token through the decode step), then sample (on the device, many tokens per launch, where the session
 * has a device sampler that serves the settings),
 * stream text and stop (length, end-of-text token or stop string). Prefill goes through the same
 * single-token step as decode because that is the only thing a megakernel program does.
 */
import type { TextTokenizer } from '@megakernel/model';
import { createRng, sampleToken } from '@megakernel/reference-cpu';
import type { DecodeSession } from './backend.js';
import { RuntimeError } from './errors.js';
import type { ResolvedGenerateOptions } from './generate-options.js';
import { StopSequences } from './stop-sequences.js';

export interface GeneratedToken {
  readonly id: number;
  /** Text this token completes ('' while a multi-byte character or a possible stop string is open). */
  readonly text: string;
}

export type FinishReason = 'length' | 'eos' | 'stop';

export interface GenerationStats {
  readonly promptTokens: number;
  readonly generatedTokens: number;
  /** Time to feed the prompt (its logits give the first new token). */
  readonly prefillMs: number;
  /** Time of the decode steps after the first new token. */
  readonly decodeMs: number;
  readonly decodeSteps: number;
  readonly seed: number;
  /** Null until the generation has ended. */
  readonly finishReason: FinishReason | null;
}

/** The tokens of one generate() call as an async iterator; `stats` fills in as it runs. */
export interface Generation extends AsyncIterable<GeneratedToken> {
  readonly stats: GenerationStats;
  /** Runs to the end: all ids and text. */
  collect(): Promise<{ ids: number[]; text: string; stats: GenerationStats }>;
}

export interface GenerationContext {
  readonly session: DecodeSession;
  readonly tokenizer: TextTokenizer;
  readonly eosTokenIds: ReadonlySet<number>;
  readonly prompt: readonly number[];
  readonly options: ResolvedGenerateOptions;
  /** False once a newer generate() call has taken the session. */
  readonly isCurrent: () => boolean;
}

export function startGeneration(ctx: GenerationContext): Generation {
  const stats: { -readonly [K in keyof GenerationStats]: GenerationStats[K] } = {
    promptTokens: ctx.prompt.length,
    generatedTokens: 0,
    prefillMs: 0,
    decodeMs: 0,
    decodeSteps: 0,
    seed: ctx.options.seed,
    finishReason: null,
  };
  const tokens = run(ctx, stats);
  return {
    stats,
    [Symbol.asyncIterator]: () => tokens,
    async collect() {
      const ids: number[] = [];
      let text = '';
      for await (const t of tokens) {
        ids.push(t.id);
        text += t.text;
      }
      return { ids, text, stats };
    },
  };
}

async function* run(ctx: GenerationContext, stats: Stats): AsyncGenerator<GeneratedToken> {
  const { session, tokenizer, options } = ctx;
  const step = async (token: number): Promise<Float32Array> => {
    if (!ctx.isCurrent()) throw new RuntimeError('this generation was superseded by a newer generate() call');
    return session.step(token);
  };
  const decoder = tokenizer.decodeStream({ skipSpecialTokens: true });
  const stops = new StopSequences(options.stop);

  const draws = deviceDraws(ctx, stats) ?? hostDraws(ctx, stats, step);
  let i = 0;
  for await (const id of draws) {
    stats.generatedTokens = i + 1;
    const eos = ctx.eosTokenIds.has(id);
    // End-of-text ids carry no text (the byte model's eos is byte 0).
    const piece = stops.push(eos ? '' : decoder.push(id));
    const finish: FinishReason | null = piece.stopped
      ? 'stop'
      : eos
        ? 'eos'
        : i + 1 === options.maxTokens
          ? 'length'
          : null;
    if (finish !== null) {
      stats.finishReason = finish;
      // Bytes of an unfinished character (or a held stop-string prefix) belong to the last token.
      const tail = finish === 'stop' ? '' : stops.push(decoder.flush()).text + stops.flush();
      yield { id, text: piece.text + tail };
      return;
    }
    yield { id, text: piece.text };
    i++;
  }
}

type Stats = { -readonly [K in keyof GenerationStats]: GenerationStats[K] };

/** Tokens sampled on the host from each step's logits: the prompt, then one step per token. */
async function* hostDraws(
  ctx: GenerationContext,
  stats: Stats,
  step: (token: number) => Promise<Float32Array>,
): AsyncGenerator<number> {
  const { session, options } = ctx;
  const rng = createRng(options.seed);
  const sampling = {
    temperature: options.temperature,
    topK: options.topK,
    topP: options.topP,
    suppress: options.suppressTokens,
  };
  const t0 = performance.now();
  let logits: Float32Array = new Float32Array(0);
  if (session.prefill && ctx.prompt.length > 1) {
    if (!ctx.isCurrent()) throw new RuntimeError('this generation was superseded by a newer generate() call');
    logits = await session.prefill(ctx.prompt);
  } else {
    for (const token of ctx.prompt) logits = await step(token);
  }
  stats.prefillMs = performance.now() - t0;
  for (;;) {
    const id = sampleToken(logits, rng, sampling);
    yield id;
    const t = performance.now();
    logits = await step(id);
    stats.decodeMs += performance.now() - t;
    stats.decodeSteps++;
  }
}

/** Tokens per launch after the first (the first comes alone, right after the prompt). */
export const DEVICE_TOKENS_PER_LAUNCH = 32;

/**
 * Tokens drawn by the backend's device sampler, many per launch, with the same generator draws as the
 * host (one pair of uniform words per token, none when greedy): null when the session has no device
 * sampler or the settings are beyond it (all-token top-k, suppressed tokens).
 */
function deviceDraws(ctx: GenerationContext, stats: Stats): AsyncGenerator<number> | null {
  const { session, options } = ctx;
  const sampling = { temperature: options.temperature, topK: options.topK, topP: options.topP };
  const sample = session.sampleOnDevice?.bind(session);
  if (!sample || options.suppressTokens.length > 0 || !session.servesOnDevice?.(sampling)) return null;
  return (async function* () {
    const rng = createRng(options.seed);
    const current = () => {
      if (!ctx.isCurrent())
        throw new RuntimeError('this generation was superseded by a newer generate() call');
    };
    current();
    const t0 = performance.now();
    let last = (await sample(ctx.prompt, 1, sampling, rng))[0]!;
    stats.prefillMs = performance.now() - t0;
    yield last;
    for (let drawn = 1; ; ) {
      // Never past the cache: the last launch draws what fits.
      const room = session.maxSeqLen - session.position;
      const count = Math.min(DEVICE_TOKENS_PER_LAUNCH, options.maxTokens - drawn, room);
      if (count < 1) throw new RuntimeError(`the context of ${session.maxSeqLen} tokens is full`);
      current();
      const t = performance.now();
      const ids = await sample([last], count, sampling, rng);
      stats.decodeMs += performance.now() - t;
      stats.decodeSteps += count;
      for (const id of ids) yield id;
      drawn += count;
      last = ids[ids.length - 1]!;
    }
  })();
}
