/**
 * Prefill: one step of a prefill program works on `tokensPerStep` prompt tokens at positions
 * pos .. pos + T - 1. A state tensor with a token axis holds one row per token ([T, ...]); an
 * instruction works on token `token` of the step (its position is pos + token) and sees such a tensor
 * as that token's row, except an op that takes a token range (MATMUL), which sees it whole. Decode
 * programs have T = 1, no token axes and token 0 everywhere, so nothing changes for them.
 */
import type { OpcodeInfo } from './op-descriptor.js';
import type { Program, TensorEntry } from './program-types.js';

/** Tokens (positions) one step of the program works on. */
export function tokensPerStep(program: Pick<Program, 'tokensPerStep'>): number {
  return program.tokensPerStep ?? 1;
}

/** Elements of one token's row of a token-axis tensor. */
export function tokenRowElements(t: TensorEntry): number {
  return t.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** Whether an instruction of `info` sees the token-axis tensor `t` as one token's row. */
export function seesTokenRow(t: TensorEntry, info: Pick<OpcodeInfo, 'tokenRange'>): boolean {
  return t.tokenAxis === true && info.tokenRange !== true;
}

/** The tensor as an operand of `info` sees it: a token-axis tensor's row shape for a per-token op. */
export function operandView(t: TensorEntry, info: Pick<OpcodeInfo, 'tokenRange'>): TensorEntry {
  return seesTokenRow(t, info) ? { ...t, shape: t.shape.slice(1) } : t;
}
