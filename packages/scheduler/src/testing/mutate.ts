/** Test helper: a copy of a program with one instruction changed. */
import { decodeQueue, encodeQueue, type Instruction, type Program } from '@megakernel/isa';

export function withInstruction(
  program: Program,
  queue: number,
  index: number,
  change: (inst: Instruction) => void,
): Program {
  const queues = program.queues.map((q, i) => {
    if (i !== queue) return q;
    const list = decodeQueue(q);
    change(list[index]!);
    return encodeQueue(list);
  });
  return { ...program, queues };
}

/** Every wait of a program: queue, index and which of the two wait fields. */
export function allWaits(program: Program): { queue: number; index: number; slot: 0 | 1 }[] {
  const out: { queue: number; index: number; slot: 0 | 1 }[] = [];
  program.queues.forEach((q, queue) => {
    decodeQueue(q).forEach((inst, index) => {
      if (inst.wait0Counter !== 0xffff) out.push({ queue, index, slot: 0 });
      if (inst.wait1Counter !== 0xffff) out.push({ queue, index, slot: 1 });
    });
  });
  return out;
}
