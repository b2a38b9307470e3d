/** A decoded program: instructions by queue and as one flat list, with each one's queue and index. */
import { decodeQueue, type Instruction, type Program } from '@megakernel/isa';

export interface ProgramView {
  readonly program: Program;
  readonly queues: readonly (readonly Instruction[])[];
  /** Every instruction, queue by queue. */
  readonly flat: readonly Instruction[];
  readonly queueOf: Int32Array;
  readonly indexOf: Int32Array;
  /** flatId[q][i]: flat id of queue q's i-th instruction. */
  readonly flatId: readonly (readonly number[])[];
}

const cache = new WeakMap<Program, ProgramView>();

export function viewProgram(program: Program): ProgramView {
  const hit = cache.get(program);
  if (hit) return hit;
  const queues = program.queues.map((q) => decodeQueue(q));
  const flat: Instruction[] = [];
  const flatId: number[][] = [];
  queues.forEach((list) => {
    flatId.push(list.map((inst) => flat.push(inst) - 1));
  });
  const queueOf = new Int32Array(flat.length);
  const indexOf = new Int32Array(flat.length);
  flatId.forEach((ids, q) => {
    ids.forEach((f, i) => {
      queueOf[f] = q;
      indexOf[f] = i;
    });
  });
  const view = { program, queues, flat, queueOf, indexOf, flatId };
  cache.set(program, view);
  return view;
}
