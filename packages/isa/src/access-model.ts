/**
 * What every instruction reads and writes: element intervals per tensor, computed by its opcode's
 * descriptor (ops/*.ts) from its operands and the tensor table's shapes. The verifier, the counter
 * derivation and the cost model read instructions through this one function; the CPU VM's
 * recorded accesses are checked against it on every fixture program, so it rests on an oracle
 * outside itself.
 */
import { type Access, AccessBoundsError, type AccessContext, AccessView } from './access-view.js';
import type { Instruction } from './instruction-layout.js';
import { opcodeInfo } from './opcodes.js';
import type { TensorEntry } from './program-types.js';

export {
  type Access,
  AccessBoundsError,
  type AccessContext,
  type AccessKind,
  AccessView,
  attentionChunkRows,
  boxIntervals,
} from './access-view.js';

export function accessElementCount(a: Access): number {
  let n = 0;
  for (let i = 0; i < a.intervals.length; i += 2) n += a.intervals[i + 1]! - a.intervals[i]!;
  return n;
}

/** Every access of `inst`; throws AccessBoundsError for an operand range outside its tensor. */
export function instructionAccesses(
  inst: Instruction,
  tensors: readonly TensorEntry[],
  ctx: AccessContext,
): Access[] {
  const info = opcodeInfo(inst.opcode);
  if (!info?.accesses) {
    throw new AccessBoundsError(`opcode 0x${inst.opcode.toString(16)} has no access model`);
  }
  const view = new AccessView(inst, info, tensors, ctx);
  info.accesses(view);
  return view.out;
}
