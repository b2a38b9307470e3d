/**
 * HEAD_RMS_NORM (CUDA twin: `cuda-hopper/csrc/ops/head_rms_norm.cuh`): RMSNorm of each head in a
 * range of x [H, d], in place, with one gamma [1, d] for every head; with `joint`, one RMSNorm over
 * the whole range with gamma [1, headCount·d].
 */
import { FLAG_HEAD_NORM_JOINT } from '@megakernel/isa';
import { rmsNorm } from '../maths/rms-norm.js';
import type { ExecContext } from '../vm/context.js';

export function executeHeadRmsNorm(ctx: ExecContext): void {
  const x = ctx.float('x');
  const gamma = ctx.float('gamma');
  const d = ctx.dim(x, 1, 2);
  const h0 = ctx.arg('headStart');
  const count = ctx.arg('headCount');
  const joint = ctx.flag(FLAG_HEAD_NORM_JOINT);
  const width = joint ? count * d : d;
  if (gamma.elements !== width)
    ctx.fail(`gamma has ${gamma.elements} elements, ${joint ? 'the head range has' : 'heads have'} ${width}`);
  ctx.check(x, h0 * d, count * d, 'read');
  ctx.check(gamma, 0, width, 'read');
  ctx.check(x, h0 * d, count * d, 'write');
  const eps = ctx.arg('eps');
  for (let at = h0 * d; at < (h0 + count) * d; at += width) {
    const span = x.data.subarray(at, at + width);
    rmsNorm(span, gamma.data, eps, span);
  }
  ctx.stored(x, h0 * d, count * d);
}
