/**
 * A prefill program placed on a decode program's memory (issue 10), so that one device state serves
 * both: a GPU session runs the prompt's whole steps with the prefill program and then decodes with the
 * decode program over the KV cache the prefill wrote, with no copy (the CPU VM's VmDecoder borrows the
 * same tensors by name instead). Every prefill tensor the decode program also has (same name, dtype and
 * shape: the weights, KV caches, tokens, argmax keys, RoPE table, logits) takes the decode tensor's
 * offset; the prefill program's own scratch (its token-axis activations) goes past the end of the
 * decode state, whose arena grows to hold it, in every decode program given (they share one layout).
 */
import { DTYPE_BYTES, type Program, type TensorEntry, tensorElementCount } from '@megakernel/isa';
import type { AttentionVariant } from './attention-variants.js';
import { CompileError } from './options.js';

const ALIGN = 256;

export interface PrefillOnDecodeState {
  /** The decode programs, unchanged but for a state arena that also holds the prefill scratch. */
  readonly decode: Program[];
  /** The prefill program with every tensor at its place in that state. */
  readonly prefill: Program;
}

const sameTensor = (a: TensorEntry, b: TensorEntry): boolean =>
  a.dtype === b.dtype && a.region === b.region && a.shape.join(',') === b.shape.join(',');

export function placePrefillOnDecodeState(
  decode: readonly Program[],
  prefill: Program,
): PrefillOnDecodeState {
  const base = decode[0];
  if (!base) throw new CompileError('bad-option', 'no decode program to place the prefill program on');
  const fail = (what: string): never => {
    throw new CompileError(
      'bad-option',
      `the prefill program cannot share the decode program's state: ${what}`,
    );
  };
  if (prefill.maxSeqLen !== base.maxSeqLen) fail(`maxSeqLen ${prefill.maxSeqLen} against ${base.maxSeqLen}`);
  if (prefill.weightBytes !== base.weightBytes)
    fail(`weight arenas of ${prefill.weightBytes} and ${base.weightBytes} bytes`);
  const byName = new Map(base.tensors.map((t) => [t.name, t]));
  let end = Math.ceil(base.stateBytes / ALIGN) * ALIGN;
  const tensors = prefill.tensors.map((t): TensorEntry => {
    const d = byName.get(t.name);
    if (d && sameTensor(d, t)) return { ...t, byteOffset: d.byteOffset };
    if (t.region === 'weights') return fail(`weight '${t.name}' is not the decode program's`);
    // A same-named tensor may differ only as the prefill's per-token scratch ([T, ...] activations):
    // anything else (a KV cache of another dtype, say) would leave the two programs disagreeing.
    if (d && !t.tokenAxis)
      return fail(
        `'${t.name}' is ${t.dtype} [${t.shape.join(', ')}], the decode program's ${d.dtype} [${d.shape.join(', ')}]`,
      );
    const placed = { ...t, byteOffset: end };
    end += Math.ceil((tensorElementCount(t) * DTYPE_BYTES[t.dtype]) / ALIGN) * ALIGN;
    return placed;
  });
  for (const key of ['tokens', 'logits', 'argmax'] as const) {
    const mine = tensors[prefill.io[key]]!;
    if (key === 'logits' && mine.tokenAxis) continue; // every position's logits: the prefill's own rows
    const theirs = base.tensors[base.io[key]]!;
    if (mine.byteOffset !== theirs.byteOffset || !sameTensor(mine, theirs))
      fail(`io.${key} is not the decode program's '${theirs.name}'`);
  }
  for (const d of decode)
    if (d.stateBytes !== base.stateBytes || d.maxSeqLen !== base.maxSeqLen)
      fail('the decode programs are not on one state layout');
  return {
    decode: decode.map((d) => ({ ...d, stateBytes: end })),
    prefill: { ...prefill, tensors, stateBytes: end },
  };
}

/**
 * placePrefillOnDecodeState over a session's attention variants (compileAttentionVariants): each
 * distinct program placed once, every variant pointing at its placed program.
 */
export function placePrefillOnVariants(
  variants: readonly AttentionVariant[],
  prefill: Program,
): { variants: AttentionVariant[]; prefill: Program } {
  const programs = [...new Set(variants.map((v) => v.program))];
  const placed = placePrefillOnDecodeState(programs, prefill);
  const moved = new Map(programs.map((p, i) => [p, placed.decode[i]!]));
  return {
    variants: variants.map((v) => ({ ...v, program: moved.get(v.program)! })),
    prefill: placed.prefill,
  };
}
