/**
 * Attention split by context: one decode program per chunk count the cost model picks somewhere
 * between the first position and maxSeqLen, all laid out on one state (attentionScratchChunks), so a
 * session runs each launch with the program priced best for the context that launch reaches.
 * One chunk (no reduction hop) wins at short contexts, 8 or 16 at long ones (H200 sweep,
 * docs/decisions.md), and a single compile-time split is wrong at one end or the other.
 */
import {
  type ContextBand,
  type Program,
  type RuntimeModelConfig,
  stateLayoutMismatch,
} from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import { compile } from './compile.js';
import { CompileError, type CompileOptions, resolveOptions } from './options.js';
import { attentionPhaseMicros } from './tiling.js';
import { isCheckpoint } from './weight-provider.js';

/** A chunk count and the contexts it serves (isa's variantForContext picks a launch's band). */
export interface AttentionBand extends ContextBand {
  readonly chunks: number;
}

export interface AttentionVariant extends AttentionBand {
  readonly program: Program;
}

/** Contexts the bands are priced at: 4 per octave from 64, and maxSeqLen. */
function gridContexts(maxSeqLen: number): number[] {
  const out: number[] = [];
  for (let k = 0; ; k++) {
    const c = Math.round(64 * 2 ** (k / 4));
    if (c >= maxSeqLen) break;
    out.push(c);
  }
  out.push(maxSeqLen);
  return out;
}

/**
 * The cost model's chunk count at `context` among `candidates` (all counts up to 256 when absent, as
 * the compile-time choice does).
 */
function bestChunks(
  config: RuntimeModelConfig,
  o: ReturnType<typeof resolveOptions>,
  context: number,
  candidates?: readonly number[],
): number {
  const kvBytes = o.kvDtype === 'f32' ? 4 : 2;
  const counts = candidates ?? Array.from({ length: Math.min(context, 256) }, (_, i) => i + 1);
  let chunks = 1;
  let best = Number.POSITIVE_INFINITY;
  for (const c of counts) {
    if (c > context) continue;
    const t = attentionPhaseMicros(config, context, c, kvBytes, o.costModel);
    if (t < best * (1 - 1e-9)) {
      best = t;
      chunks = c;
    }
  }
  return chunks;
}

/**
 * The cost model's chunk count by context band, adjacent bands of one count merged. The counts are
 * the best ones at maxSeqLen, a quarter of it, a sixteenth and so on down to 64 positions, and 1: a
 * handful of programs, where letting every count compete at every context gave Llama-3.2-1B 13 (and
 * rounding to powers of two cost GPT-2 4% at 1,024 positions, 8 chunks against the 9 chosen there).
 * An explicit `attentionChunks` gives one band.
 */
export function planAttentionBands(config: RuntimeModelConfig, options: CompileOptions): AttentionBand[] {
  const o = resolveOptions(config, options);
  if (o.attentionChunks !== 'auto') return [{ chunks: o.attentionChunks, upToContext: o.maxSeqLen }];
  const candidates = new Set([1]);
  for (let anchor = o.maxSeqLen; anchor >= 64; anchor = Math.floor(anchor / 4))
    candidates.add(bestChunks(config, o, anchor));
  const counts = [...candidates].sort((a, b) => a - b);
  const bands: AttentionBand[] = [];
  for (const context of gridContexts(o.maxSeqLen)) {
    const chunks = bestChunks(config, o, context, counts);
    const last = bands.at(-1);
    if (last?.chunks === chunks) bands[bands.length - 1] = { chunks, upToContext: context };
    else bands.push({ chunks, upToContext: context });
  }
  return bands;
}

/**
 * One decode program per band of planAttentionBands, every one on the same state layout (checked).
 * Variants of one count share the program; the last band reaches maxSeqLen.
 */
export function compileAttentionVariants(
  model: Checkpoint | RuntimeModelConfig,
  options: CompileOptions,
): AttentionVariant[] {
  if (options.prefillTokens !== undefined)
    throw new CompileError('bad-option', 'attention variants are decode programs (no prefillTokens)');
  const config = isCheckpoint(model) ? model.config : model;
  const bands = planAttentionBands(config, options);
  const capacity = Math.max(options.attentionScratchChunks ?? 1, ...bands.map((b) => b.chunks));
  const programs = new Map<number, Program>();
  const variants = bands.map((band) => {
    let program = programs.get(band.chunks);
    if (!program) {
      program = compile(model, {
        ...options,
        attentionChunks: band.chunks,
        attentionScratchChunks: capacity,
      });
      programs.set(band.chunks, program);
    }
    return { ...band, program };
  });
  const first = variants[0]!.program;
  for (const v of variants) {
    const mismatch = stateLayoutMismatch(first, v.program);
    if (mismatch) throw new Error(`attention variant of ${v.chunks} chunks: ${mismatch}`);
  }
  return variants;
}
