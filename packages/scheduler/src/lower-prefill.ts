/**
 * Prefill lowering (issue 10): the op-per-step chain of one token, made to work on the T prompt tokens
 * of a step. Every product becomes one MATMUL per row tile and range of at most `matmulTokens` tokens
 * (all T by default: the weights read once; the GPU's tensor-core tile takes 128);
 * every other instruction is repeated per token, with its token field set, so it reads and writes that
 * token's rows of the token-axis tensors (token-axis.ts in the ISA) at position pos + token. Attention
 * of token t reads the KV rows the appends of tokens 0..t wrote this step: causal by construction.
 * Only the last token's logits and argmax are computed, unless every token's are asked for.
 */
import { type Instruction, Op } from '@megakernel/isa';
import type { LoweredGraph } from './graph.js';

/** The ops that turn the final hidden state into logits and the argmax. */
const HEAD_KINDS = new Set(['final-norm', 'lm-head', 'logits-scale', 'logits-softcap', 'argmax']);

export function lowerPrefill(
  chain: LoweredGraph,
  tokens: number,
  allLogits: boolean,
  matmulTokens: number = tokens,
): LoweredGraph {
  const insts: Instruction[] = [];
  const opOf: number[] = [];
  const ops = chain.ops.map((op) => {
    const lastOnly = HEAD_KINDS.has(op.kind) && !allLogits;
    const nodes: number[] = [];
    const push = (inst: Instruction): void => {
      nodes.push(insts.length);
      insts.push(inst);
      opOf.push(op.id);
    };
    for (const node of op.nodes) {
      const inst = chain.insts[node]!;
      if (lastOnly) push({ ...inst, token: tokens - 1 });
      // MATVEC and MATMUL share their operand slots and flags; b0 is MATMUL's token count.
      else if (inst.opcode === Op.MATVEC)
        for (let t = 0; t < tokens; t += matmulTokens)
          push({ ...inst, opcode: Op.MATMUL, token: t, b0: Math.min(matmulTokens, tokens - t) });
      else for (let t = 0; t < tokens; t++) push({ ...inst, token: t });
    }
    return { ...op, nodes };
  });
  return { ops, insts, opOf };
}
