/**
 * HEAD_RMS_NORM (CUDA twin: `cuda-hopper/csrc/ops/head_rms_norm.cuh`): RMSNorm of each head in a
 * range of x [H, d], in place, with one gamma [1, d] for every head.
 */
import { rmsNorm } from '../maths/rms-norm.js';
import type { ExecContext } from '../vm/context.js';

export function executeHeadRmsNorm(ctx: ExecContext): void {
  const x = ctx.float('x');
  const gamma = ctx.float('gamma');
  const d = ctx.dim(x, 1, 2);
  if (gamma.elements !== d) ctx.fail(`gamma has ${gamma.elements} elements, heads have ${d}`);
  const h0 = ctx.arg('headStart');
  const count = ctx.arg('headCount');
  ctx.check(x, h0 * d, count * d, 'read');
  ctx.check(gamma, 0, d, 'read');
  ctx.check(x, h0 * d, count * d, 'write');
  const eps = ctx.arg('eps');
  for (let h = h0; h < h0 + count; h++) {
    const head = x.data.subarray(h * d, (h + 1) * d);
    rmsNorm(head, gamma.data, eps, head);
  }
  ctx.stored(x, h0 * d, count * d);
}
