/**
 * FUSED_NORM_MATMUL (CUDA twin: `cuda-hopper/csrc/ops/fused_norm_matmul.cuh`): a row tile of
 * y = W·norm(x) + bias.
 */
import { rowDot } from '../maths/matvec.js';
import type { ExecContext } from '../vm/context.js';
import { rowTile, weightRows } from './matvec.js';
import { fusedNormalizedInput } from './norm.js';

export function executeFusedNormMatmul(ctx: ExecContext): void {
  const tile = rowTile(ctx);
  const n = fusedNormalizedInput(ctx);
  const W = ctx.float('W');
  const bias = ctx.float('bias', true);
  const y = ctx.float('y');
  const K = weightRows(ctx, W, tile);
  if (K !== n.length) ctx.fail(`W has ${K} columns, x has ${n.length} elements`);
  if (bias) ctx.check(bias, tile.rowStart, tile.rowCount, 'read');
  ctx.check(y, tile.rowStart, tile.rowCount, 'write');
  for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
    y.data[r] = rowDot(W.data, K, r, n, 0, K) + (bias ? bias.data[r]! : 0);
  }
  ctx.stored(y, tile.rowStart, tile.rowCount);
}
