/**
 * Prefill lowering (issue 10): the op-per-step chain of one token, made to work on the T prompt tokens
 * of a step. Every product becomes one MATMUL per row tile and range of at most `matmulTokens` tokens
 * (all T by default: the weights read once; the GPU's tensor-core tile takes 128); the row tiles are
 * the chain's (sized for decode, one queue each) or, with `matmulRows`, that many rows each;
 * every other instruction is repeated per token, with its token field set, so it reads and writes that
 * token's rows of the token-axis tensors (token-axis.ts in the ISA) at position pos + token. Attention
 * of token t reads the KV rows the appends of tokens 0..t wrote this step: causal by construction.
 * Only the last token's logits and argmax are computed, unless every token's are asked for.
 */
import { type Instruction, Op, opcodeInfo, operandField, readOperands } from '@megakernel/isa';
import type { LoweredGraph } from './graph.js';

/** The ops that turn the final hidden state into logits and the argmax. */
const HEAD_KINDS = new Set(['final-norm', 'lm-head', 'logits-scale', 'logits-softcap', 'argmax']);

export interface PrefillLowering {
  readonly allLogits: boolean;
  /** Tokens per MATMUL instruction (default: all of the step's). */
  readonly matmulTokens?: number;
  /** Weight rows per MATMUL instruction (default: the chain's row tiles). */
  readonly matmulRows?: number;
}

const MATVEC = opcodeInfo(Op.MATVEC)!;
const ROW_START = operandField(MATVEC, 'rowStart')!;
const ROW_COUNT = operandField(MATVEC, 'rowCount')!;

/**
 * The chain's row tiles of one product op, re-cut into tiles of `rows` rows: only where the op is
 * MATVECs over one weight, each over all of K (prefill takes no split-K), covering one row range.
 */
function retile(tiles: readonly Instruction[], rows: number): Instruction[] {
  const first = tiles[0]!;
  const o = tiles.map((i) => readOperands(i, MATVEC));
  const same = tiles.every(
    (i, k) =>
      i.opcode === Op.MATVEC &&
      o[k]!.W === o[0]!.W &&
      o[k]!.kStart === 0 &&
      o[k]!.kCount === 0 &&
      i.flags === first.flags,
  );
  if (!same) return [...tiles];
  const ranges = o.map((x) => [x.rowStart!, x.rowStart! + x.rowCount!] as const).sort((x, y) => x[0] - y[0]);
  for (let k = 1; k < ranges.length; k++) if (ranges[k]![0] !== ranges[k - 1]![1]) return [...tiles];
  const end = ranges.at(-1)![1];
  const out: Instruction[] = [];
  for (let r = ranges[0]![0]; r < end; r += rows)
    out.push({ ...first, [ROW_START]: r, [ROW_COUNT]: Math.min(rows, end - r) });
  return out;
}

export function lowerPrefill(chain: LoweredGraph, tokens: number, o: PrefillLowering): LoweredGraph {
  const { allLogits, matmulTokens = tokens, matmulRows } = o;
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
    const chainInsts = op.nodes.map((node) => chain.insts[node]!);
    const isProduct = !lastOnly && chainInsts.length > 0 && chainInsts.every((i) => i.opcode === Op.MATVEC);
    for (const inst of isProduct && matmulRows !== undefined ? retile(chainInsts, matmulRows) : chainInsts) {
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
