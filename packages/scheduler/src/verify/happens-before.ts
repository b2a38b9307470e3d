/**
 * Happens-before within one decode step as vector clocks over the queues. Edges: program order on
 * each queue, and a same-step wait whose target equals the number of the counter's signallers
 * (only then has every signaller finished; a smaller target orders no signaller in particular).
 * `hb(a, b)` holds when b's clock has seen a's position on a's queue.
 */
import { NONE16 } from '@megakernel/isa';
import { type CounterIndex, indexCounters, topologicalOrder, waitsOf } from '../dependency-graph.js';
import type { ProgramView } from '../program-view.js';

export interface HappensBefore {
  readonly queues: number;
  /** clock[i * queues + r]: the last index on queue r that happens-before (or is) instruction i. */
  readonly clock: Int32Array;
  /** A topological order of the step's instructions. */
  readonly order: readonly number[];
  readonly counters: CounterIndex;
  hb(a: number, b: number): boolean;
  /** Join of the clocks of every signaller of counter c. */
  counterJoin(c: number): Int32Array;
}

export function happensBefore(view: ProgramView, counterCount: number): HappensBefore | undefined {
  const { flat, queueOf, indexOf, flatId } = view;
  const nq = view.queues.length;
  const counters = indexCounters(flat, counterCount);
  // Only waits that order every signaller become edges of the HB DAG.
  const ordering = flat.map((inst) => {
    const partial = waitsOf(inst).filter(
      (w) => !w.previousStep && w.target !== counters.signallers[w.counter]!.length,
    );
    if (partial.length === 0) return inst;
    const copy = { ...inst };
    for (const w of partial) {
      if (w.slot === 0) copy.wait0Counter = NONE16;
      else copy.wait1Counter = NONE16;
    }
    return copy;
  });
  const orderingCounters = indexCounters(ordering, counters.counterCount);
  const prev = new Int32Array(flat.length).fill(-1);
  const next = new Int32Array(flat.length).fill(-1);
  for (const ids of flatId) {
    for (let k = 1; k < ids.length; k++) {
      prev[ids[k]!] = ids[k - 1]!;
      next[ids[k - 1]!] = ids[k]!;
    }
  }
  const order = topologicalOrder(ordering, orderingCounters, { prev, next });
  if (order === undefined) return undefined;
  const clock = new Int32Array(flat.length * nq).fill(-1);
  const joins = new Map<number, Int32Array>();
  const counterJoin = (c: number): Int32Array => {
    let j = joins.get(c);
    if (!j) {
      j = new Int32Array(nq).fill(-1);
      for (const s of counters.signallers[c]!)
        for (let r = 0; r < nq; r++) j[r] = Math.max(j[r]!, clock[s * nq + r]!);
      joins.set(c, j);
    }
    return j;
  };
  for (const i of order) {
    const base = i * nq;
    if (prev[i]! >= 0) clock.copyWithin(base, prev[i]! * nq, prev[i]! * nq + nq);
    for (const w of waitsOf(ordering[i]!)) {
      if (w.previousStep) continue;
      const j = counterJoin(w.counter);
      for (let r = 0; r < nq; r++) if (j[r]! > clock[base + r]!) clock[base + r] = j[r]!;
    }
    clock[base + queueOf[i]!] = indexOf[i]!;
  }
  return {
    queues: nq,
    clock,
    order,
    counters,
    hb: (a, b) => a === b || clock[b * nq + queueOf[a]!]! >= indexOf[a]!,
    counterJoin,
  };
}
