/**
 * One decode step over every queue: an instruction runs once its waits hold (counters compared as
 * the ISA defines, modulo 2^32, targets scaled by the step), then signals +1 after its stores. Which
 * runnable queue goes next is the interleaving: round-robin, or seeded random to explore the orders
 * the counters allow. No queue able to run while some have work left is a deadlock.
 */
import {
  counterReached,
  type Instruction,
  NONE16,
  type OpcodeInfo,
  opcodeInfo,
  SYNC_WAIT0_PREVIOUS_STEP,
  SYNC_WAIT1_PREVIOUS_STEP,
  waitThreshold,
} from '@megakernel/isa';
import type { Rng } from '../maths/prng.js';
import { ExecContext, type RecordedAccess } from './context.js';
import { type StuckWait, VmDeadlockError, VmInstructionError, VmStepLimitError } from './errors.js';
import { EXECUTORS } from './executors.js';
import type { VmMemory } from './memory.js';

export interface DecodedQueue {
  readonly instructions: readonly Instruction[];
  readonly infos: readonly (OpcodeInfo | undefined)[];
}

export interface StepOptions {
  readonly strict: boolean;
  /** Null: round-robin. */
  readonly rng: Rng | null;
  /** Instructions the whole run may still execute (a guard; decremented as they run). */
  budget: { remaining: number; readonly limit: number };
  /** Strict mode: called after each instruction with the accesses its executor made. */
  readonly onAccesses?: (event: AccessEvent) => void;
}

export interface AccessEvent {
  readonly queue: number;
  readonly index: number;
  readonly pos: number;
  readonly inst: Instruction;
  readonly accesses: readonly RecordedAccess[];
}

function unmetWaits(
  inst: Instruction,
  counters: Uint32Array,
  epoch: number,
): { counter: number; needed: number }[] {
  const out: { counter: number; needed: number }[] = [];
  const waits = [
    [inst.wait0Counter, inst.wait0Target, SYNC_WAIT0_PREVIOUS_STEP],
    [inst.wait1Counter, inst.wait1Target, SYNC_WAIT1_PREVIOUS_STEP],
  ] as const;
  for (const [counter, target, previousBit] of waits) {
    if (counter === NONE16) continue;
    const needed = waitThreshold(target, epoch, (inst.syncFlags & previousBit) !== 0);
    if (!counterReached(counters[counter]!, needed)) out.push({ counter, needed });
  }
  return out;
}

/** Runs every queue of the program to its end for decode step `pos` (epoch = steps since counters were zeroed). */
export function runDecodeStep(
  memory: VmMemory,
  queues: readonly DecodedQueue[],
  counters: Uint32Array,
  pos: number,
  epoch: number,
  opts: StepOptions,
): void {
  const pc = new Array<number>(queues.length).fill(0);
  const done = (q: number): boolean => pc[q]! >= queues[q]!.instructions.length;
  const runnable = (q: number): boolean =>
    !done(q) && unmetWaits(queues[q]!.instructions[pc[q]!]!, counters, epoch).length === 0;

  const execute = (q: number): void => {
    const index = pc[q]!;
    const inst = queues[q]!.instructions[index]!;
    const info = queues[q]!.infos[index];
    const site = { queue: q, index, opcode: info?.name ?? `0x${inst.opcode.toString(16)}`, pos };
    const executor =
      info && info.status === 'executable' ? EXECUTORS[info.name as keyof typeof EXECUTORS] : undefined;
    if (!info || !executor)
      throw new VmInstructionError(site, 'opcode is reserved or unknown: no VM executes it');
    if (--opts.budget.remaining < 0) throw new VmStepLimitError(opts.budget.limit);
    const ctx = new ExecContext(memory, inst, info, site, pos, opts.strict);
    executor(ctx);
    opts.onAccesses?.({ queue: q, index, pos, inst, accesses: ctx.recorded });
    if (inst.signalCounter !== NONE16)
      counters[inst.signalCounter] = (counters[inst.signalCounter]! + 1) >>> 0;
    pc[q] = index + 1;
  };

  for (;;) {
    let progressed = false;
    if (opts.rng) {
      const ready: number[] = [];
      for (let q = 0; q < queues.length; q++) if (runnable(q)) ready.push(q);
      if (ready.length > 0) {
        execute(ready[opts.rng.nextInt(ready.length)]!);
        progressed = true;
      }
    } else {
      for (let q = 0; q < queues.length; q++) {
        if (runnable(q)) {
          execute(q);
          progressed = true;
        }
      }
    }
    if (queues.every((_, q) => done(q))) return;
    if (!progressed) throw deadlock(queues, pc, counters, pos, epoch);
  }
}

function deadlock(
  queues: readonly DecodedQueue[],
  pc: readonly number[],
  counters: Uint32Array,
  pos: number,
  epoch: number,
): VmDeadlockError {
  const stuck: StuckWait[] = [];
  queues.forEach((queue, q) => {
    const index = pc[q]!;
    const inst = queue.instructions[index];
    if (!inst) return;
    const opcode = opcodeInfo(inst.opcode)?.name ?? `0x${inst.opcode.toString(16)}`;
    for (const w of unmetWaits(inst, counters, epoch)) {
      stuck.push({
        queue: q,
        index,
        opcode,
        counter: w.counter,
        value: counters[w.counter] ?? 0,
        needed: w.needed,
      });
    }
  });
  return new VmDeadlockError(pos, stuck);
}
