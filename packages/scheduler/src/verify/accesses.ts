/**
 * The access model itself is ISA meaning and lives with each op's descriptor (`@megakernel/isa`,
 * access-model.ts); here are the two views of it the verifier's conflict analyses need.
 */
import type { Access, TensorEntry } from '@megakernel/isa';

export {
  type Access,
  AccessBoundsError,
  type AccessContext,
  type AccessKind,
  accessElementCount,
  attentionChunkRows,
  boxIntervals,
  instructionAccesses,
} from '@megakernel/isa';

/**
 * The accesses that can take part in a conflict: those on tensors some instruction writes. Tensors
 * only ever read (weights) cannot race, and skipping them keeps the analyses small.
 */
export function conflictingAccesses(all: readonly (readonly Access[])[]): Access[][] {
  // (Weights region reads may already be omitted with skipWeights; see weightWrites.)
  const written = new Set<number>();
  for (const list of all) for (const a of list) if (a.kind !== 'read') written.add(a.tensor);
  return all.map((list) => list.filter((a) => written.has(a.tensor)));
}

/** Instructions that write (or atomically update) a weights-region tensor: never legal. */
export function weightWrites(all: readonly (readonly Access[])[], tensors: readonly TensorEntry[]): number[] {
  const out: number[] = [];
  all.forEach((list, i) => {
    if (list.some((a) => a.kind !== 'read' && tensors[a.tensor]?.region === 'weights')) out.push(i);
  });
  return out;
}
