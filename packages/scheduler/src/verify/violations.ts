/** What the verifier reports: the kind of failure, where (queue, index) and which counter. */

export type ViolationKind = 'structure' | 'bounds' | 'deadlock' | 'step-overlap' | 'race' | 'coverage';

export interface InstructionRef {
  readonly queue: number;
  readonly index: number;
}

export interface Violation extends InstructionRef {
  readonly kind: ViolationKind;
  /** The counter involved: the stuck wait's, or the one the earlier instruction signals (races). */
  readonly counter?: number;
  readonly message: string;
  /** Deadlocks: the wait's per-step target, the decode step, and the counter's value when stuck. */
  readonly target?: number;
  readonly step?: number;
  readonly value?: number;
  /** Races: the tensor, the conflicting element range [lo, hi) and the other instruction. */
  readonly tensor?: number;
  readonly tensorName?: string;
  readonly range?: readonly [number, number];
  readonly other?: InstructionRef;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly violations: readonly Violation[];
}

/** A read of elements `range` of a tensor that nothing covers; `why` finishes the sentence. */
export function coverageViolation(
  view: { readonly queueOf: ArrayLike<number>; readonly indexOf: ArrayLike<number> },
  node: number,
  tensor: number,
  tensorName: string,
  range: readonly [number, number],
  why: string,
): Violation {
  return {
    kind: 'coverage',
    queue: view.queueOf[node]!,
    index: view.indexOf[node]!,
    tensor,
    tensorName,
    range,
    message: `reads elements [${range[0]}, ${range[1]}) of ${tensorName}, ${why}`,
  };
}
