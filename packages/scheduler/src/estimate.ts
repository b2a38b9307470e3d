/**
 * estimateCosts: one decode step of a program on the cost model. Each queue runs its instructions
 * in order; an instruction starts when its queue is free and each wait's counter has reached its
 * target (the target-th signal of the step, plus the sync latency). Previous-step waits count as
 * met at time 0, so this is the steady-state time of one token.
 */
import { NONE16, type Program } from '@megakernel/isa';
import { type CostModelParams, costModelFor, type InstructionCost, instructionCost } from './cost-model.js';
import { indexCounters, topologicalOrder, waitsOf } from './dependency-graph.js';
import { viewProgram } from './program-view.js';
import { instructionRole, type Role } from './roles.js';

export interface InstructionEstimate extends InstructionCost {
  readonly queue: number;
  readonly index: number;
  readonly opcode: number;
  readonly layer: number | null;
  readonly role: Role;
  readonly startUs: number;
  readonly endUs: number;
}

export interface ScheduleEstimate {
  readonly params: CostModelParams;
  /** Context (tokens visible to attention) the costs assume. */
  readonly context: number;
  /** instructions[q][i]: queue q's i-th instruction. */
  readonly instructions: readonly (readonly InstructionEstimate[])[];
  /** Sum of instruction durations per queue, µs. */
  readonly busyUs: readonly number[];
  /** When each queue finishes, µs. */
  readonly endUs: readonly number[];
  readonly makespanUs: number;
  /** The chain of instructions that determines the makespan, first to last. */
  readonly criticalPath: readonly { readonly queue: number; readonly index: number }[];
}

export interface EstimateOptions {
  readonly costModel?: Partial<CostModelParams>;
  /** Tokens visible to attention (default: the program's maxSeqLen). */
  readonly context?: number;
}

export class EstimateError extends Error {
  override readonly name = 'EstimateError';
}

export function estimateCosts(program: Program, options: EstimateOptions = {}): ScheduleEstimate {
  const view = viewProgram(program);
  const params = costModelFor(program.queues.length, options.costModel);
  const context = Math.min(Math.max(1, options.context ?? program.maxSeqLen), program.maxSeqLen);
  const ctx = { pos: context - 1, kvRows: 'visible' as const, sizesOnly: true };
  const costs = view.flat.map((inst) => instructionCost(inst, program.tensors, params, ctx));
  const counters = indexCounters(view.flat, program.counterCount);
  const prev = new Int32Array(view.flat.length).fill(-1);
  const next = new Int32Array(view.flat.length).fill(-1);
  for (const ids of view.flatId) {
    for (let k = 1; k < ids.length; k++) {
      prev[ids[k]!] = ids[k - 1]!;
      next[ids[k - 1]!] = ids[k]!;
    }
  }
  const order = topologicalOrder(view.flat, counters, { prev, next });
  if (order === undefined) throw new EstimateError('the program deadlocks; verify it first');
  const start = new Float64Array(view.flat.length);
  const end = new Float64Array(view.flat.length);
  const cause = new Int32Array(view.flat.length).fill(-1);
  // Signallers by end time, per counter; every signaller precedes the first waiter in `order`.
  const byEnd = new Map<number, number[]>();
  const sortedSignallers = (c: number): number[] => {
    let s = byEnd.get(c);
    if (!s) {
      s = [...counters.signallers[c]!].sort((a, b) => end[a]! - end[b]!);
      byEnd.set(c, s);
    }
    return s;
  };
  for (const i of order) {
    let t = 0;
    if (prev[i]! >= 0) {
      t = end[prev[i]!]!;
      cause[i] = prev[i]!;
    }
    for (const w of waitsOf(view.flat[i]!)) {
      if (w.previousStep || w.target === 0) continue;
      const signallers = sortedSignallers(w.counter);
      const binding = signallers[Math.min(w.target, signallers.length) - 1];
      if (binding === undefined) continue;
      const ready = end[binding]! + params.syncUs;
      if (ready > t) {
        t = ready;
        cause[i] = binding;
      }
    }
    start[i] = t;
    end[i] = t + costs[i]!.us;
  }
  let last = -1;
  for (let i = 0; i < end.length; i++) if (last < 0 || end[i]! > end[last]!) last = i;
  const criticalPath: { queue: number; index: number }[] = [];
  for (let i = last; i >= 0; i = cause[i]!)
    criticalPath.push({ queue: view.queueOf[i]!, index: view.indexOf[i]! });
  criticalPath.reverse();
  const instructions = view.flatId.map((ids) =>
    ids.map(
      (i): InstructionEstimate => ({
        ...costs[i]!,
        queue: view.queueOf[i]!,
        index: view.indexOf[i]!,
        opcode: view.flat[i]!.opcode,
        layer: view.flat[i]!.layer === NONE16 ? null : view.flat[i]!.layer,
        role: instructionRole(view.flat[i]!, program.tensors),
        startUs: start[i]!,
        endUs: end[i]!,
      }),
    ),
  );
  return {
    params,
    context,
    instructions,
    busyUs: instructions.map((q) => q.reduce((a, e) => a + e.us, 0)),
    endUs: instructions.map((q) => (q.length > 0 ? q[q.length - 1]!.endUs : 0)),
    makespanUs: last >= 0 ? end[last]! : 0,
    criticalPath,
  };
}
