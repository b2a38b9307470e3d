/**
 * The same-step dependency DAG implied by an instruction list's counters: every signaller of a
 * counter precedes every instruction that waits on it in the current step. Counters act as
 * virtual nodes so the edge count stays linear.
 */
import {
  type Instruction,
  NONE16,
  SYNC_WAIT0_PREVIOUS_STEP,
  SYNC_WAIT1_PREVIOUS_STEP,
} from '@megakernel/isa';

export interface WaitRef {
  readonly counter: number;
  readonly target: number;
  readonly previousStep: boolean;
  /** 0 or 1: which wait field. */
  readonly slot: 0 | 1;
}

export function waitsOf(inst: Instruction): WaitRef[] {
  const out: WaitRef[] = [];
  if (inst.wait0Counter !== NONE16) {
    out.push({
      counter: inst.wait0Counter,
      target: inst.wait0Target,
      previousStep: (inst.syncFlags & SYNC_WAIT0_PREVIOUS_STEP) !== 0,
      slot: 0,
    });
  }
  if (inst.wait1Counter !== NONE16) {
    out.push({
      counter: inst.wait1Counter,
      target: inst.wait1Target,
      previousStep: (inst.syncFlags & SYNC_WAIT1_PREVIOUS_STEP) !== 0,
      slot: 1,
    });
  }
  return out;
}

export interface CounterIndex {
  readonly counterCount: number;
  /** signallers[c]: instructions that signal counter c. */
  readonly signallers: readonly number[][];
  /** waiters[c]: instructions with a same-step wait on counter c. */
  readonly waiters: readonly number[][];
}

export function indexCounters(insts: readonly Instruction[], counterCount?: number): CounterIndex {
  let n = counterCount ?? 0;
  for (const inst of insts) {
    if (inst.signalCounter !== NONE16) n = Math.max(n, inst.signalCounter + 1);
    for (const w of waitsOf(inst)) n = Math.max(n, w.counter + 1);
  }
  const signallers: number[][] = Array.from({ length: n }, () => []);
  const waiters: number[][] = Array.from({ length: n }, () => []);
  insts.forEach((inst, i) => {
    if (inst.signalCounter !== NONE16) signallers[inst.signalCounter]!.push(i);
    for (const w of waitsOf(inst)) if (!w.previousStep) waiters[w.counter]!.push(i);
  });
  return { counterCount: n, signallers, waiters };
}

/**
 * A topological order of the same-step DAG (Kahn), plus optional program-order edges `next[i]`
 * (the following instruction on i's queue). Returns undefined when there is a cycle.
 */
export function topologicalOrder(
  insts: readonly Instruction[],
  counters: CounterIndex,
  programOrder?: { readonly prev: Int32Array; readonly next: Int32Array },
): number[] | undefined {
  const n = insts.length;
  const indeg = new Int32Array(n);
  const counterLeft = counters.signallers.map((s) => s.length);
  insts.forEach((inst, i) => {
    for (const w of waitsOf(inst)) if (!w.previousStep && counterLeft[w.counter]! > 0) indeg[i]!++;
    if (programOrder && programOrder.prev[i]! >= 0) indeg[i]!++;
  });
  const order: number[] = [];
  const stack: number[] = [];
  for (let i = n - 1; i >= 0; i--) if (indeg[i] === 0) stack.push(i);
  const release = (i: number): void => {
    if (--indeg[i]! === 0) stack.push(i);
  };
  while (stack.length > 0) {
    const i = stack.pop()!;
    order.push(i);
    const c = insts[i]!.signalCounter;
    if (c !== NONE16 && --counterLeft[c]! === 0) for (const w of counters.waiters[c]!) release(w);
    if (programOrder && programOrder.next[i]! >= 0) release(programOrder.next[i]!);
  }
  return order.length === n ? order : undefined;
}
