/**
 * MATVEC (CUDA twin: `cuda-hopper/csrc/ops/matvec.cuh`): a row tile of y (+)= x·Wᵀ over a K range.
 * The row-tile helpers here serve the other x·Wᵀ ops too (FUSED_MATMUL_RESIDUAL, FUSED_NORM_MATMUL,
 * FUSED_NORM_GATE_UP_ACT).
 */
import { FLAG_ACCUMULATE } from '@megakernel/isa';
import { rowDot } from '../maths/matvec.js';
import type { ExecContext, FloatOperandView } from '../vm/context.js';

export interface Tile {
  readonly rowStart: number;
  readonly rowCount: number;
}

/** W [N, K]: checks the tile's rows and returns K. */
export function weightRows(ctx: ExecContext, W: FloatOperandView, tile: Tile): number {
  const K = ctx.dim(W, 1, 2);
  ctx.check(W, tile.rowStart * K, tile.rowCount * K, 'read');
  return K;
}

export function rowTile(ctx: ExecContext): Tile {
  return { rowStart: ctx.arg('rowStart'), rowCount: ctx.arg('rowCount') };
}

/** y[r] (+)= Σ_{k ∈ [kStart, kStart+kCount)} W[r,k]·x[k] (+ bias[r] when kStart = 0), for MATVEC (out = y) and FUSED_MATMUL_RESIDUAL (out += scale · that, always accumulating). */
export function partialProduct(ctx: ExecContext, outName: string, accumulate: boolean, scale = 1): void {
  const tile = rowTile(ctx);
  const x = ctx.float('x');
  const W = ctx.float('W');
  const out = ctx.float(outName);
  const bias = ctx.float('bias', true);
  const K = ctx.dim(W, 1, 2);
  const kStart = ctx.arg('kStart');
  const kCount = ctx.arg('kCount') === 0 ? K - kStart : ctx.arg('kCount');
  if (kStart + kCount > K) ctx.fail(`kStart ${kStart} + kCount ${kCount} > K = ${K}`);
  // Only the k range of each row is read (a split-K tile is a column block).
  if (kCount === K) ctx.check(W, tile.rowStart * K, tile.rowCount * K, 'read');
  else
    for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++)
      ctx.check(W, r * K + kStart, kCount, 'read');
  ctx.check(x, kStart, kCount, 'read');
  if (bias && kStart === 0) ctx.check(bias, tile.rowStart, tile.rowCount, 'read');
  if (accumulate) ctx.check(out, tile.rowStart, tile.rowCount, 'read');
  ctx.check(out, tile.rowStart, tile.rowCount, 'write');
  for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
    let v = rowDot(W.data, K, r, x.data, kStart, kStart + kCount);
    if (bias && kStart === 0) v += bias.data[r]!;
    out.data[r] = accumulate ? out.data[r]! + scale * v : v;
  }
  ctx.stored(out, tile.rowStart, tile.rowCount);
}

export function executeMatvec(ctx: ExecContext): void {
  partialProduct(ctx, 'y', ctx.flag(FLAG_ACCUMULATE));
}
