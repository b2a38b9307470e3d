/**
 * Drops waits that program order and the other waits already imply, then counters nobody waits on.
 * A wait is redundant when every signaller of its counter already happens-before the waiter (vector
 * clocks over the queues); removing it changes no ordering, saves an acquire-spin on the GPU, and
 * leaves every remaining wait load-bearing, which is what the mutation tests rely on.
 */
import {
  hasLoaderRead,
  type Instruction,
  NONE16,
  opcodeInfo,
  SYNC_WAIT0_PREVIOUS_STEP,
  SYNC_WAIT1_PREVIOUS_STEP,
} from '@megakernel/isa';
import { indexCounters, waitsOf } from './dependency-graph.js';

export interface ElisionResult {
  readonly insts: Instruction[];
  readonly counterCount: number;
  /** newId[old counter] (-1: removed). */
  readonly counterMap: Int32Array;
  readonly removedWaits: number;
}

/**
 * `order` must be a topological order of the same-step DAG that respects `queues` (e.g. the order
 * assignToQueues placed instructions in).
 */
export function elideRedundantWaits(
  input: readonly Instruction[],
  queues: readonly (readonly number[])[],
  order: readonly number[],
): ElisionResult {
  const insts = input.map((inst) => ({ ...inst }));
  const nq = queues.length;
  const queueOf = new Int32Array(insts.length);
  const posOf = new Int32Array(insts.length);
  queues.forEach((list, q) => {
    list.forEach((i, p) => {
      queueOf[i] = q;
      posOf[i] = p;
    });
  });
  const prevOnQueue = (i: number): number => (posOf[i]! > 0 ? queues[queueOf[i]!]![posOf[i]! - 1]! : -1);
  const counters = indexCounters(insts);
  const vc = new Int32Array(insts.length * nq).fill(-1);
  const joins = new Map<number, Int32Array>();
  // Join of all signallers' clocks; only asked for once they are all processed (topological order).
  const counterJoin = (c: number): Int32Array => {
    let j = joins.get(c);
    if (!j) {
      j = new Int32Array(nq).fill(-1);
      for (const s of counters.signallers[c]!) {
        for (let r = 0; r < nq; r++) j[r] = Math.max(j[r]!, vc[s * nq + r]!);
      }
      joins.set(c, j);
    }
    return j;
  };
  const covered = (clock: Int32Array, base: number, join: Int32Array): boolean => {
    for (let r = 0; r < nq; r++) if (join[r]! > clock[base + r]!) return false;
    return true;
  };
  let removedWaits = 0;
  const drop = (inst: Instruction, slot: 0 | 1): void => {
    removedWaits++;
    if (slot === 0) {
      inst.wait0Counter = NONE16;
      inst.wait0Target = 0;
      inst.syncFlags &= ~SYNC_WAIT0_PREVIOUS_STEP;
    } else {
      inst.wait1Counter = NONE16;
      inst.wait1Target = 0;
      inst.syncFlags &= ~SYNC_WAIT1_PREVIOUS_STEP;
    }
  };
  const scratch = new Int32Array(nq);
  for (const i of order) {
    const base = i * nq;
    const prev = prevOnQueue(i);
    if (prev >= 0) vc.copyWithin(base, prev * nq, prev * nq + nq);
    const inst = insts[i]!;
    // Only a wait on every signaller orders them all; a partial wait orders none in particular.
    const kept = waitsOf(inst).filter(
      (w) => !w.previousStep && w.target === counters.signallers[w.counter]!.length,
    );
    // The GPU loader reads some operands ahead of program order: only the instruction's own waits order them.
    const keepAll = hasLoaderRead(opcodeInfo(inst.opcode));
    // Drop each wait that program order and the other kept waits already imply.
    if (keepAll) {
      // (kept as they are)
    } else if (kept.length === 1 && covered(vc, base, counterJoin(kept[0]!.counter))) {
      drop(inst, kept[0]!.slot);
      kept.length = 0;
    }
    for (const w of kept.length > 1 && !keepAll ? [...kept] : []) {
      scratch.set(vc.subarray(base, base + nq));
      for (const other of kept) {
        if (other === w) continue;
        const j = counterJoin(other.counter);
        for (let r = 0; r < nq; r++) scratch[r] = Math.max(scratch[r]!, j[r]!);
      }
      if (covered(scratch, 0, counterJoin(w.counter))) {
        drop(inst, w.slot);
        kept.splice(kept.indexOf(w), 1);
      }
    }
    for (const w of kept) {
      const j = counterJoin(w.counter);
      for (let r = 0; r < nq; r++) vc[base + r] = Math.max(vc[base + r]!, j[r]!);
    }
    vc[base + queueOf[i]!] = posOf[i]!;
  }
  // A previous-step wait is implied when its queue's own last instruction already follows every signaller.
  insts.forEach((inst, i) => {
    if (hasLoaderRead(opcodeInfo(inst.opcode))) return;
    for (const w of waitsOf(inst)) {
      if (!w.previousStep || w.target !== counters.signallers[w.counter]!.length) continue;
      const q = queueOf[i]!;
      const last = queues[q]![queues[q]!.length - 1]!;
      if (covered(vc, last * nq, counterJoin(w.counter))) drop(inst, w.slot);
    }
  });
  // Counters that lost all their waiters stop being signalled; the rest are renumbered densely.
  const waited = new Uint8Array(counters.counterCount);
  for (const inst of insts) for (const w of waitsOf(inst)) waited[w.counter] = 1;
  const counterMap = new Int32Array(counters.counterCount).fill(-1);
  let next = 0;
  for (let c = 0; c < counters.counterCount; c++) if (waited[c]) counterMap[c] = next++;
  for (const inst of insts) {
    if (inst.signalCounter !== NONE16)
      inst.signalCounter = counterMap[inst.signalCounter]! >= 0 ? counterMap[inst.signalCounter]! : NONE16;
    if (inst.wait0Counter !== NONE16) inst.wait0Counter = counterMap[inst.wait0Counter]!;
    if (inst.wait1Counter !== NONE16) inst.wait1Counter = counterMap[inst.wait1Counter]!;
  }
  return { insts, counterCount: next, counterMap, removedWaits };
}
