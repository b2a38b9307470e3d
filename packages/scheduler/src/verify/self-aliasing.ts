/**
 * No instruction reads elements that it also writes through another operand. An op that works in
 * place says so with one `update` access; a read operand that names the op's own output (attention
 * reading its output buffer as its query, both [H, d]) reads what the previous step left there, or
 * what the op is overwriting, and runs to wrong logits although every other rule holds. Left out:
 * element-wise reads (element i feeds only element i, so MUL and SCALE may work in place) and
 * conditional accesses (EMBED_GATHER's token write-back): they are the op's meaning.
 */
import type { TensorEntry } from '@megakernel/isa';
import type { ProgramView } from '../program-view.js';
import type { Access } from './accesses.js';
import { mergeIntervals } from './intervals.js';
import { coverageViolation, type Violation } from './violations.js';

export function findSelfAliasing(
  view: ProgramView,
  tensors: readonly TensorEntry[],
  accesses: readonly (readonly Access[])[],
  max: number,
): Violation[] {
  const out: Violation[] = [];
  accesses.forEach((list, node) => {
    if (out.length >= max) return;
    for (const read of list) {
      if (read.kind !== 'read' || read.inPlace || read.elementwise || read.conditional || read.dataDependent)
        continue;
      const writes: [number, number][] = [];
      for (const w of list) {
        if (w.kind === 'read' || w.conditional || w.tensor !== read.tensor) continue;
        for (let i = 0; i < w.intervals.length; i += 2) writes.push([w.intervals[i]!, w.intervals[i + 1]!]);
      }
      if (writes.length === 0) continue;
      const merged = mergeIntervals(writes);
      for (let i = 0; i < read.intervals.length; i += 2) {
        const lo = read.intervals[i]!;
        const hi = read.intervals[i + 1]!;
        const hit = merged.find(([a, b]) => a < hi && lo < b);
        if (hit === undefined) continue;
        const name = tensors[read.tensor]?.name ?? `#${read.tensor}`;
        const range: [number, number] = [Math.max(lo, hit[0]), Math.min(hi, hit[1])];
        out.push(
          coverageViolation(
            view,
            node,
            read.tensor,
            name,
            range,
            'which it also writes through another operand',
          ),
        );
        return;
      }
    }
  });
  return out;
}
