/** Named errors of the program VM: each says where (queue, instruction index, opcode) and what. */

/** Where in a program an instruction sits. */
export interface InstructionSite {
  readonly queue: number;
  readonly index: number;
  readonly opcode: string;
  /** Decode step (= position) during which it ran. */
  readonly pos: number;
}

const describeSite = (s: InstructionSite): string =>
  `queue ${s.queue} #${s.index} ${s.opcode} (pos ${s.pos})`;

/** One wait that cannot be satisfied: the counter, its value, and the value it needs. */
export interface StuckWait {
  readonly queue: number;
  readonly index: number;
  readonly opcode: string;
  readonly counter: number;
  readonly value: number;
  readonly needed: number;
}

/** No queue can run while some still have instructions: every blocked head and its unmet waits. */
export class VmDeadlockError extends Error {
  override readonly name = 'VmDeadlockError';
  constructor(
    readonly pos: number,
    readonly stuck: readonly StuckWait[],
  ) {
    super(
      `deadlock in decode step ${pos}: ${stuck.length} unmet wait(s)\n` +
        stuck
          .map(
            (w) =>
              `  queue ${w.queue} #${w.index} ${w.opcode}: counter ${w.counter} is ${w.value}, needs ${w.needed}`,
          )
          .join('\n'),
    );
  }
}

/** Strict mode: an instruction touches elements outside a tensor. */
export class VmBoundsError extends Error {
  override readonly name = 'VmBoundsError';
  constructor(
    readonly site: InstructionSite,
    readonly tensor: { readonly id: number; readonly name: string; readonly elements: number },
    readonly operand: string,
    readonly access: 'read' | 'write',
    readonly range: readonly [number, number],
  ) {
    super(
      `${describeSite(site)}: ${access} of ${operand} = tensor ${tensor.id} '${tensor.name}' elements [${range[0]}, ${range[1]}) outside [0, ${tensor.elements})`,
    );
  }
}

/** An instruction the VM cannot execute as written (bad opcode, missing operand, wrong dtype or shape, bad token). */
export class VmInstructionError extends Error {
  override readonly name = 'VmInstructionError';
  constructor(
    readonly site: InstructionSite,
    readonly problem: string,
  ) {
    super(`${describeSite(site)}: ${problem}`);
  }
}

/** The program as a whole cannot be loaded (tensor table, io ids, weights, aliasing) or run with these inputs. */
export class VmProgramError extends Error {
  override readonly name = 'VmProgramError';
}

/** More instructions executed than `maxSteps` allows. */
export class VmStepLimitError extends Error {
  override readonly name = 'VmStepLimitError';
  constructor(readonly maxSteps: number) {
    super(`executed more than maxSteps = ${maxSteps} instructions`);
  }
}
