/**
 * ATTENTION_REDUCE (CUDA twin: `cuda-hopper/csrc/ops/attention_reduce.cuh`): merges the chunks'
 * partial outputs of a head range by their LSE weights.
 */
import { attentionReduceHead } from '../maths/attention.js';
import type { ExecContext } from '../vm/context.js';

export function executeAttentionReduce(ctx: ExecContext): void {
  const partialO = ctx.float('partialO');
  const lse = ctx.float('lse');
  const out = ctx.float('out');
  const chunks = ctx.dim(lse, 0, 2);
  const Hq = ctx.dim(lse, 1, 2);
  const d = partialO.elements / (chunks * Hq);
  if (!Number.isInteger(d))
    ctx.fail(`partialO has ${partialO.elements} elements: not chunks·Hq·d for lse [${chunks}, ${Hq}]`);
  const headStart = ctx.arg('headStart');
  const headCount = ctx.arg('headCount');
  const weights = new Float64Array(chunks);
  for (let h = headStart; h < headStart + headCount; h++) {
    for (let c = 0; c < chunks; c++) {
      ctx.check(lse, c * Hq + h, 1, 'read');
      ctx.check(partialO, (c * Hq + h) * d, d, 'read');
      weights[c] = lse.data[c * Hq + h]!;
    }
    ctx.check(out, h * d, d, 'write');
    attentionReduceHead(partialO.data, (c) => (c * Hq + h) * d, weights, d, out.data, h * d);
    ctx.stored(out, h * d, d);
  }
}
