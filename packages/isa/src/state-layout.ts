/**
 * Whether two programs can take turns on one device state: a session switches between programs of one
 * model compiled with different attention splits (the scheduler's compileAttentionVariants) without
 * copying its KV cache, so every tensor must keep its id, name, dtype, region and offset, and every
 * shape its extent, except the attention partials' chunk axis (scratch a step writes before it reads).
 */
import { BASE_IO_KEYS, type Program, SAMPLER_IO_KEYS } from './program-types.js';

/** Tensors whose leading (chunk) axis may differ between attention variants. */
const CHUNK_AXIS_TENSORS = new Set(['partialO', 'partialLse']);

/** Undefined when `b` can run on `a`'s state (and weights); otherwise the first difference, in words. */
export function stateLayoutMismatch(a: Program, b: Program): string | undefined {
  if (a.stateBytes !== b.stateBytes) return `state arenas of ${a.stateBytes} and ${b.stateBytes} bytes`;
  if (a.weightBytes !== b.weightBytes) return `weight arenas of ${a.weightBytes} and ${b.weightBytes} bytes`;
  if (a.maxSeqLen !== b.maxSeqLen) return `maxSeqLen ${a.maxSeqLen} and ${b.maxSeqLen}`;
  if (a.tensors.length !== b.tensors.length) return `${a.tensors.length} and ${b.tensors.length} tensors`;
  for (let i = 0; i < a.tensors.length; i++) {
    const x = a.tensors[i]!;
    const y = b.tensors[i]!;
    const where = `tensor ${i} ('${x.name}')`;
    if (x.name !== y.name) return `${where} is '${y.name}' in the other program`;
    if (x.dtype !== y.dtype || x.region !== y.region || x.byteOffset !== y.byteOffset)
      return `${where} has another dtype, region or offset`;
    const from = CHUNK_AXIS_TENSORS.has(x.name) ? 1 : 0;
    if (x.shape.length !== y.shape.length || x.shape.some((d, k) => k >= from && d !== y.shape[k]))
      return `${where} has shape [${x.shape.join(', ')}] against [${y.shape.join(', ')}]`;
  }
  for (const key of [...BASE_IO_KEYS, ...SAMPLER_IO_KEYS])
    if (a.io[key] !== b.io[key]) return `io.${key} differs`;
  return undefined;
}

/** A program that serves launches whose last step sees at most `upToContext` positions. */
export interface ContextBand {
  readonly upToContext: number;
}

/** The band for a launch whose last step sees `context` positions (the last band beyond them all). */
export function variantForContext<T extends ContextBand>(variants: readonly T[], context: number): T {
  if (variants.length === 0) throw new RangeError('no program variants');
  return variants.find((v) => context <= v.upToContext) ?? variants.at(-1)!;
}

/**
 * Undefined when `b` can take turns with `a` on one device state as a prefill program placed on a decode
 * program's memory (the scheduler's placePrefillOnDecodeState) or the other way round: the same arenas
 * and maxSeqLen, and every tensor name the two share at one offset wherever dtype, region and shape
 * agree (a same-named tensor of another shape is the prefill's own scratch). Else the first difference.
 */
export function sharedStateMismatch(a: Program, b: Program): string | undefined {
  if (a.stateBytes !== b.stateBytes) return `state arenas of ${a.stateBytes} and ${b.stateBytes} bytes`;
  if (a.weightBytes !== b.weightBytes) return `weight arenas of ${a.weightBytes} and ${b.weightBytes} bytes`;
  if (a.maxSeqLen !== b.maxSeqLen) return `maxSeqLen ${a.maxSeqLen} and ${b.maxSeqLen}`;
  const byName = new Map(a.tensors.map((t) => [t.name, t]));
  for (const y of b.tensors) {
    const x = byName.get(y.name);
    if (!x || x.dtype !== y.dtype || x.region !== y.region || x.shape.join() !== y.shape.join()) continue;
    if (x.byteOffset !== y.byteOffset) return `'${y.name}' lies at another offset`;
  }
  for (const key of ['tokens', 'argmax'] as const)
    if (a.tensors[a.io[key]]!.byteOffset !== b.tensors[b.io[key]]!.byteOffset) return `io.${key} differs`;
  return undefined;
}
