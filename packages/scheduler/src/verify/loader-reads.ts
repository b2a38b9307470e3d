/**
 * The loader-read rule: an operand the GPU's loader reads (MOE_MATVEC's route, to pick the expert whose
 * rows it streams) is read before the instruction runs, while the instructions ahead of it on its queue
 * may still be running. So each same-step writer of those elements must happen-before the instruction
 * through the instruction's own waits alone (the join of its waited counters' signallers), not through
 * program order on its queue.
 */
import { NONE16, opcodeInfo } from '@megakernel/isa';
import { waitsOf } from '../dependency-graph.js';
import type { ProgramView } from '../program-view.js';
import type { Access } from './accesses.js';
import type { HappensBefore } from './happens-before.js';
import { intervalsOverlap } from './intervals.js';
import type { Violation } from './violations.js';

export function findLoaderReadsUnordered(
  view: ProgramView,
  accesses: readonly (readonly Access[])[],
  hb: HappensBefore,
  max: number,
): Violation[] {
  const out: Violation[] = [];
  const nq = hb.queues;
  const loaderTensors = view.flat.map((inst) => {
    const info = opcodeInfo(inst.opcode);
    return new Set(
      (info?.tensors ?? []).filter((t) => t.loaderRead && inst[t.slot] !== NONE16).map((t) => inst[t.slot]),
    );
  });
  // The writes of every tensor some loader reads, by tensor.
  const watched = new Set(loaderTensors.flatMap((s) => [...s]));
  const writes = new Map<number, { node: number; intervals: readonly number[] }[]>();
  accesses.forEach((list, node) => {
    for (const a of list) {
      if (a.kind === 'read' || !watched.has(a.tensor)) continue;
      const l = writes.get(a.tensor) ?? [];
      l.push({ node, intervals: a.intervals });
      writes.set(a.tensor, l);
    }
  });
  view.flat.forEach((inst, b) => {
    const tensors = loaderTensors[b]!;
    if (tensors.size === 0 || out.length >= max) return;
    // What the instruction's own exact waits order before it.
    const clock = new Int32Array(nq).fill(-1);
    for (const w of waitsOf(inst)) {
      if (w.previousStep || w.target !== hb.counters.signallers[w.counter]!.length) continue;
      const j = hb.counterJoin(w.counter);
      for (let r = 0; r < nq; r++) clock[r] = Math.max(clock[r]!, j[r]!);
    }
    for (const read of accesses[b]!) {
      if (read.kind !== 'read' || !tensors.has(read.tensor)) continue;
      for (const { node: a, intervals } of writes.get(read.tensor) ?? []) {
        if (a === b || !intervalsOverlap(read.intervals, intervals) || !hb.hb(a, b)) continue;
        if (clock[view.queueOf[a]!]! >= view.indexOf[a]!) continue;
        out.push({
          kind: 'race',
          queue: view.queueOf[b]!,
          index: view.indexOf[b]!,
          tensor: read.tensor,
          other: { queue: view.queueOf[a]!, index: view.indexOf[a]! },
          message:
            `${opcodeInfo(inst.opcode)!.name}'s loader reads tensor ${read.tensor} ahead of its queue, but its ` +
            `waits do not order the write by queue ${view.queueOf[a]} #${view.indexOf[a]} (program order does)`,
        });
        return;
      }
    }
  });
  return out;
}
