/**
 * Every read of state is covered: by the tensor's init (zero, RoPE table, -1) or by a write that
 * happens before the read in the same step. The scheduler gives every state tensor an init, so this
 * only ever looks at a tensor whose init is missing (a corrupted header: a RoPE table nothing fills
 * reads as zeros) and names the first elements read that nothing wrote.
 */
import type { TensorEntry } from '@megakernel/isa';
import type { ProgramView } from '../program-view.js';
import type { Access } from './accesses.js';
import type { HappensBefore } from './happens-before.js';
import { gapIn, mergeIntervals } from './intervals.js';
import { coverageViolation, type Violation } from './violations.js';

export function findUninitialisedReads(
  view: ProgramView,
  tensors: readonly TensorEntry[],
  accesses: readonly (readonly Access[])[],
  hb: HappensBefore,
  max: number,
): Violation[] {
  const bare = new Set(tensors.filter((t) => t.region === 'state' && t.init === undefined).map((t) => t.id));
  if (bare.size === 0) return [];
  const writes = new Map<number, { node: number; lo: number; hi: number }[]>();
  accesses.forEach((list, node) => {
    for (const a of list) {
      if (!bare.has(a.tensor) || a.kind === 'read') continue;
      const w = writes.get(a.tensor) ?? [];
      for (let i = 0; i < a.intervals.length; i += 2)
        w.push({ node, lo: a.intervals[i]!, hi: a.intervals[i + 1]! });
      writes.set(a.tensor, w);
    }
  });
  const out: Violation[] = [];
  accesses.forEach((list, node) => {
    for (const a of list) {
      if (out.length >= max || !bare.has(a.tensor) || a.kind !== 'read') continue;
      const before = (writes.get(a.tensor) ?? [])
        .filter((w) => w.node !== node && hb.hb(w.node, node))
        .map((w): [number, number] => [w.lo, w.hi]);
      for (let i = 0; i < a.intervals.length; i += 2) {
        const gap = gapIn(a.intervals[i]!, a.intervals[i + 1]!, mergeIntervals(before));
        if (!gap) continue;
        const name = tensors[a.tensor]!.name;
        out.push(
          coverageViolation(
            view,
            node,
            a.tensor,
            name,
            gap,
            'which has no init and nothing writes before this read in the step',
          ),
        );
        break;
      }
    }
  });
  return out;
}
