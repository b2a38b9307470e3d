/**
 * Reads of state a step produces are covered by that step's writes. A zero-initialised state tensor
 * (activations, scratch, the KV cache's current row) that some instruction writes is the step's own
 * product: every element an instruction reads from it must be written by some instruction of the
 * step. A tile shifted or shrunk by corruption leaves rows nothing writes, which would otherwise be
 * read as zeros or as the previous step's values, and run to wrong logits. Ordering is the race
 * checker's job; this is the union of writes against each read, so it costs a sort per tensor.
 *
 * Left out: tensors nothing writes (init-only: the RoPE table, the tokens), reads whose elements
 * depend on data or that may not happen (the embedding row, the previous argmax), and tensors whose
 * init is not zero (what they hold before any write is defined). A write that may not happen counts
 * as a write: the ISA's conditional writes are skipped only when their readers do not use the
 * elements (the LM head's candidate lists under greedy settings, which SAMPLE then ignores), and
 * without them the candidate lists would have no coverage at all.
 */
import type { TensorEntry } from '@megakernel/isa';
import type { ProgramView } from '../program-view.js';
import type { Access } from './accesses.js';
import { gapIn, mergeIntervals } from './intervals.js';
import { coverageViolation, type Violation } from './violations.js';

export function findStepCoverageGaps(
  view: ProgramView,
  tensors: readonly TensorEntry[],
  accesses: readonly (readonly Access[])[],
  max: number,
): Violation[] {
  const perStep = (t: TensorEntry | undefined): boolean =>
    t !== undefined && t.region === 'state' && (t.init === undefined || t.init.kind === 'zero');
  // Writes per tensor, per layer and over the whole step. A layer's read of a tensor that its own
  // layer writes (mlpAct, q, attnOut) must be covered by that layer's writes: another layer's
  // writes of the same rows are no substitute. Other reads (the residual stream) take the step's.
  const key = (tensor: number, layer: number) => `${tensor}@${layer}`;
  const written = new Map<string, [number, number][]>();
  const add = (k: string, lo: number, hi: number) => {
    const w = written.get(k) ?? [];
    w.push([lo, hi]);
    written.set(k, w);
  };
  accesses.forEach((list, node) => {
    const layer = view.flat[node]!.layer;
    for (const a of list) {
      if (a.kind === 'read' || !perStep(tensors[a.tensor])) continue;
      for (let i = 0; i < a.intervals.length; i += 2) {
        add(key(a.tensor, layer), a.intervals[i]!, a.intervals[i + 1]!);
        add(key(a.tensor, -1), a.intervals[i]!, a.intervals[i + 1]!);
      }
    }
  });
  const cover = new Map([...written].map(([k, w]) => [k, mergeIntervals(w)]));
  const out: Violation[] = [];
  accesses.forEach((list, node) => {
    for (const a of list) {
      if (out.length >= max) return;
      if (a.kind !== 'read' || a.dataDependent || a.conditional) continue;
      const c = cover.get(key(a.tensor, view.flat[node]!.layer)) ?? cover.get(key(a.tensor, -1));
      if (c === undefined) continue;
      for (let i = 0; i < a.intervals.length; i += 2) {
        const gap = gapIn(a.intervals[i]!, a.intervals[i + 1]!, c);
        if (!gap) continue;
        const name = tensors[a.tensor]!.name;
        out.push(
          coverageViolation(view, node, a.tensor, name, gap, `which no instruction of the step writes`),
        );
        break;
      }
    }
  });
  return out;
}
