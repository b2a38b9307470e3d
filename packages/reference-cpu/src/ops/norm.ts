/**
 * RMS_NORM and LAYER_NORM (CUDA twin: `cuda-hopper/csrc/ops/norm.cuh`), and the norm every fused-norm
 * op recomputes per tile (`fusedNormalizedInput`).
 */
import { FLAG_NORM_LAYER, FLAG_NORM_NO_WEIGHT } from '@megakernel/isa';
import { layerNorm } from '../maths/layer-norm.js';
import { rmsNorm } from '../maths/rms-norm.js';
import type { ExecContext } from '../vm/context.js';

/** norm(x) over the whole of operand `x`, as RMSNorm or LayerNorm, with gamma (and beta) from normParams. */
export function normalizedInput(ctx: ExecContext, layer: boolean): Float32Array {
  const x = ctx.float('x');
  const n = x.elements;
  ctx.check(x, 0, n, 'read');
  let gamma: Float32Array | null = null;
  let beta: Float32Array | null = null;
  if (!ctx.flag(FLAG_NORM_NO_WEIGHT)) {
    const p = ctx.float('normParams', true);
    if (!p) ctx.fail('normParams is absent but the noWeight flag is not set');
    const rows = p.elements / n;
    if (rows !== 1 && rows !== 2)
      ctx.fail(`normParams [${p.shape.join(', ')}] is not [1, ${n}] or [2, ${n}]`);
    if (rows === 2 && !layer) ctx.fail('normParams [2, n] carries a beta, which only LayerNorm has');
    ctx.check(p, 0, p.elements, 'read');
    gamma = p.data.subarray(0, n);
    if (rows === 2) beta = p.data.subarray(n, 2 * n);
  }
  const eps = ctx.arg('eps');
  const input = x.data.subarray(0, n);
  return layer ? layerNorm(input, gamma, beta, eps) : rmsNorm(input, gamma, eps);
}

/** The fused-norm ops pick the norm with their layerNorm flag. */
export function fusedNormalizedInput(ctx: ExecContext): Float32Array {
  return normalizedInput(ctx, ctx.flag(FLAG_NORM_LAYER));
}

function executeNorm(ctx: ExecContext, layer: boolean): void {
  const normed = normalizedInput(ctx, layer);
  const y = ctx.float('y');
  ctx.check(y, 0, normed.length, 'write');
  y.data.set(normed.subarray(0, Math.min(normed.length, y.data.length)));
  ctx.stored(y, 0, normed.length);
}

export const executeRmsNorm = (ctx: ExecContext): void => executeNorm(ctx, false);
export const executeLayerNorm = (ctx: ExecContext): void => executeNorm(ctx, true);
