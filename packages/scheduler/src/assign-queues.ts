/**
 * Assignment of instructions to queues (one per SM). `list`: list scheduling on the cost model —
 * the ready instruction with the longest path to the end of the step (critical path) goes to the
 * queue that frees up first. `round-robin`: the topological list dealt out in turn, a baseline.
 * Either way each queue's order is a subsequence of one topological order, so no queue can wait on
 * an instruction placed behind an instruction that waits on it: no deadlock.
 */
import { type Instruction, NONE16 } from '@megakernel/isa';
import { indexCounters, topologicalOrder, waitsOf } from './dependency-graph.js';
import { MinHeap } from './heap.js';

export interface AssignOptions {
  readonly queues: number;
  readonly strategy?: 'list' | 'round-robin';
  /** Latency added between a counter's last signal and its waiters' start, µs. */
  readonly syncUs?: number;
}

export interface QueueAssignment {
  /** queues[q]: instruction ids in execution order. */
  readonly queues: readonly (readonly number[])[];
  /** The order instructions were placed in: a topological order of the same-step DAG. */
  readonly order: readonly number[];
  /** List scheduling's own estimate of when each instruction starts, µs (round-robin: none). */
  readonly startUs?: Float64Array;
}

export class AssignmentError extends Error {
  override readonly name = 'AssignmentError';
}

/** Longest cost path from each instruction to the end of the step, itself included. */
export function bottomLevels(
  insts: readonly Instruction[],
  costUs: ArrayLike<number>,
  order: readonly number[],
  syncUs: number,
): Float64Array {
  const counters = indexCounters(insts);
  const level = new Float64Array(insts.length);
  const counterLevel = new Float64Array(counters.counterCount);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    const c = insts[i]!.signalCounter;
    level[i] = costUs[i]! + (c !== NONE16 && counters.waiters[c]!.length > 0 ? counterLevel[c]! + syncUs : 0);
    for (const w of waitsOf(insts[i]!)) {
      if (!w.previousStep) counterLevel[w.counter] = Math.max(counterLevel[w.counter]!, level[i]!);
    }
  }
  return level;
}

export function assignToQueues(
  insts: readonly Instruction[],
  costUs: ArrayLike<number>,
  options: AssignOptions,
): QueueAssignment {
  const { queues } = options;
  if (!Number.isInteger(queues) || queues < 1) throw new AssignmentError(`queues = ${queues}`);
  const counters = indexCounters(insts);
  const order = topologicalOrder(insts, counters);
  if (order === undefined) throw new AssignmentError('the dependency graph has a cycle');
  const out: number[][] = Array.from({ length: queues }, () => []);
  if ((options.strategy ?? 'list') === 'round-robin') {
    // Deal in instruction order when it is topological (lowering order), else in Kahn order.
    const sorted = isTopological(insts, counters) ? insts.map((_, i) => i) : order;
    sorted.forEach((i, k) => {
      out[k % queues]!.push(i);
    });
    return { queues: out, order: sorted };
  }
  const syncUs = options.syncUs ?? 0;
  const level = bottomLevels(insts, costUs, order, syncUs);
  const pending = new Int32Array(insts.length);
  const readyAt = new Float64Array(insts.length);
  const left = counters.signallers.map((s) => s.length);
  const doneAt = new Float64Array(counters.counterCount);
  insts.forEach((inst, i) => {
    for (const w of waitsOf(inst)) if (!w.previousStep && left[w.counter]! > 0) pending[i]!++;
  });
  const ready = new MinHeap((a, b) => level[a]! > level[b]! || (level[a] === level[b] && a < b));
  insts.forEach((_, i) => {
    if (pending[i] === 0) ready.push(i);
  });
  const free = new Float64Array(queues);
  const queueHeap = new MinHeap((a, b) => free[a]! < free[b]! || (free[a] === free[b] && a < b));
  for (let q = 0; q < queues; q++) queueHeap.push(q);
  const startUs = new Float64Array(insts.length);
  const placed: number[] = [];
  while (ready.size > 0) {
    const i = ready.pop()!;
    const q = queueHeap.pop()!;
    const start = Math.max(free[q]!, readyAt[i]!);
    startUs[i] = start;
    free[q] = start + costUs[i]!;
    queueHeap.push(q);
    out[q]!.push(i);
    placed.push(i);
    const c = insts[i]!.signalCounter;
    if (c === NONE16) continue;
    doneAt[c] = Math.max(doneAt[c]!, free[q]!);
    if (--left[c]! > 0) continue;
    for (const w of counters.waiters[c]!) {
      readyAt[w] = Math.max(readyAt[w]!, doneAt[c]! + syncUs);
      if (--pending[w]! === 0) ready.push(w);
    }
  }
  if (placed.length !== insts.length) throw new AssignmentError('some instructions never became ready');
  return { queues: out, order: placed, startUs };
}

function isTopological(insts: readonly Instruction[], counters: ReturnType<typeof indexCounters>): boolean {
  const lastSignal = counters.signallers.map((s) => (s.length > 0 ? Math.max(...s) : -1));
  return insts.every((inst, i) => waitsOf(inst).every((w) => w.previousStep || lastSignal[w.counter]! < i));
}
