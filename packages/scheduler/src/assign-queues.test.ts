import { decodeQueue, makeInstruction, NONE16, Op } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { AssignmentError, assignToQueues } from './assign-queues.js';
import { compile } from './compile.js';
import { tinyLlama } from './testing/tiny-config.js';
import { verifyProgram } from './verify/verify-program.js';

/** A fork-join: node 0 → nodes 1..n (signal counter 1) → node n+1. */
function forkJoin(n: number) {
  const head = makeInstruction(Op.NOOP, { signalCounter: 0 });
  const mid = Array.from({ length: n }, () =>
    makeInstruction(Op.NOOP, { wait0Counter: 0, wait0Target: 1, signalCounter: 1 }),
  );
  const tail = makeInstruction(Op.NOOP, { wait0Counter: 1, wait0Target: n });
  return [head, ...mid, tail];
}

describe('assignToQueues', () => {
  it('list scheduling spreads independent work over the queues and keeps each queue topological', () => {
    const insts = forkJoin(6);
    const { queues, order } = assignToQueues(
      insts,
      insts.map(() => 1),
      { queues: 3 },
    );
    expect(queues.map((q) => q.length).sort()).toEqual([2, 2, 4].sort());
    const rank = new Map(order.map((i, k) => [i, k]));
    for (const q of queues)
      for (let k = 1; k < q.length; k++) expect(rank.get(q[k]!)!).toBeGreaterThan(rank.get(q[k - 1]!)!);
    expect(order[0]).toBe(0);
    expect(order[order.length - 1]).toBe(7);
  });

  it('puts the critical path first', () => {
    // After the root: a cheap leaf (1) and a chain 2 → 3 whose tail costs 10; the chain goes first.
    const insts = [
      makeInstruction(Op.NOOP, { signalCounter: 0 }),
      makeInstruction(Op.NOOP, { wait0Counter: 0, wait0Target: 1 }),
      makeInstruction(Op.NOOP, { wait0Counter: 0, wait0Target: 1, signalCounter: 1 }),
      makeInstruction(Op.NOOP, { wait0Counter: 1, wait0Target: 1 }),
    ];
    const { order } = assignToQueues(insts, [1, 1, 1, 10], { queues: 1 });
    expect(order).toEqual([0, 2, 3, 1]);
  });

  it('round-robin deals the topological list out in turn', () => {
    const insts = forkJoin(4);
    const { queues } = assignToQueues(
      insts,
      insts.map(() => 1),
      { queues: 2, strategy: 'round-robin' },
    );
    expect(queues).toEqual([
      [0, 2, 4],
      [1, 3, 5],
    ]);
  });

  it('rejects a cyclic dependency graph', () => {
    const insts = [
      makeInstruction(Op.NOOP, { wait0Counter: 1, wait0Target: 1, signalCounter: 0 }),
      makeInstruction(Op.NOOP, { wait0Counter: 0, wait0Target: 1, signalCounter: 1 }),
    ];
    expect(() => assignToQueues(insts, [1, 1], { queues: 2 })).toThrow(AssignmentError);
  });

  it('both strategies give verified programs', () => {
    for (const assignment of ['list', 'round-robin'] as const) {
      const p = compile(tinyLlama(), { queues: 7, maxSeqLen: 16, assignment });
      expect(verifyProgram(p).ok).toBe(true);
      expect(p.queues.every((q) => decodeQueue(q).length > 0)).toBe(true);
    }
    expect(NONE16).toBe(0xffff);
  });
});
