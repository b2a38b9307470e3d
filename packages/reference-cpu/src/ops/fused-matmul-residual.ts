/**
 * FUSED_MATMUL_RESIDUAL (CUDA twin: `cuda-hopper/csrc/ops/fused_matmul_residual.cuh`): a row tile of
 * out += x·Wᵀ over a K range.
 */
import type { ExecContext } from '../vm/context.js';
import { partialProduct } from './matvec.js';

/** The splitK flag only tells the GPU to add atomically; one VM step at a time makes plain adds exact. */
export function executeFusedMatmulResidual(ctx: ExecContext): void {
  partialProduct(ctx, 'out', true, ctx.arg('scale'));
}
