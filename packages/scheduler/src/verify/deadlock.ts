/**
 * Deadlock check: runs the queues over two consecutive decode steps, advancing any queue whose
 * head's waits are satisfied. Counters only grow, so advancing one queue never blocks another and
 * this greedy run finishes exactly when some interleaving does. The second step exercises the
 * previous-step waits (the first step's are trivially satisfied).
 */
import { NONE16, SYNC_WAIT0_PREVIOUS_STEP, SYNC_WAIT1_PREVIOUS_STEP } from '@megakernel/isa';
import { waitsOf } from '../dependency-graph.js';
import type { ProgramView } from '../program-view.js';
import type { Violation } from './violations.js';

export const SIMULATED_STEPS = 2;

export function findDeadlock(view: ProgramView, counterCount: number): Violation | undefined {
  const { queues } = view;
  const value = new Float64Array(counterCount);
  const next = new Int32Array(queues.length);
  const total = queues.map((q) => q.length * SIMULATED_STEPS);
  const satisfied = (q: number): boolean => {
    const list = queues[q]!;
    const inst = list[next[q]! % list.length]!;
    const step = Math.floor(next[q]! / list.length);
    const steps0 = (inst.syncFlags & SYNC_WAIT0_PREVIOUS_STEP) !== 0 ? step : step + 1;
    const steps1 = (inst.syncFlags & SYNC_WAIT1_PREVIOUS_STEP) !== 0 ? step : step + 1;
    return (
      (inst.wait0Counter === NONE16 || value[inst.wait0Counter]! >= inst.wait0Target * steps0) &&
      (inst.wait1Counter === NONE16 || value[inst.wait1Counter]! >= inst.wait1Target * steps1)
    );
  };
  for (let progress = true; progress; ) {
    progress = false;
    for (let q = 0; q < queues.length; q++) {
      while (next[q]! < total[q]! && satisfied(q)) {
        const list = queues[q]!;
        const c = list[next[q]! % list.length]!.signalCounter;
        if (c !== NONE16) value[c]!++;
        next[q]!++;
        progress = true;
      }
    }
  }
  for (let q = 0; q < queues.length; q++) {
    if (next[q]! >= total[q]!) continue;
    const list = queues[q]!;
    const index = next[q]! % list.length;
    const step = Math.floor(next[q]! / list.length);
    const w = waitsOf(list[index]!).find(
      (x) => value[x.counter]! < x.target * (x.previousStep ? step : step + 1),
    )!;
    return {
      kind: 'deadlock',
      queue: q,
      index,
      counter: w.counter,
      target: w.target,
      step,
      value: value[w.counter]!,
      message:
        `queue ${q} instruction ${index} (step ${step}) waits for counter ${w.counter} to reach ` +
        `${w.target * (w.previousStep ? step : step + 1)} (target ${w.target}${w.previousStep ? ', previous step' : ''}); ` +
        `it is stuck at ${value[w.counter]!}`,
    };
  }
  return undefined;
}
