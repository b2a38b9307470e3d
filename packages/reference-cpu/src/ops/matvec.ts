/**
 * MATVEC (CUDA twin: `cuda-hopper/csrc/ops/matvec.cuh`): a row tile of y (+)= x·Wᵀ over a K range.
 * The row-tile helpers here serve the other x·Wᵀ ops too (FUSED_MATMUL_RESIDUAL, FUSED_NORM_MATMUL,
 * FUSED_NORM_GATE_UP_ACT), and MOE_MATVEC is MATVEC on the expert that a routing slot names.
 */
import { FLAG_ACCUMULATE, FLAG_MOE_WEIGHTED } from '@megakernel/isa';
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

/** MOE_MATVEC: a row tile of y (+)= (w ·) x·Wₑᵀ for the expert e that the routing decision put in the slot. */
export function executeMoeMatvec(ctx: ExecContext): void {
  const tile = rowTile(ctx);
  const x = ctx.float('x');
  const W = ctx.float('W');
  const y = ctx.float('y');
  const route = ctx.float('route');
  const E = ctx.dim(W, 0, 3);
  const N = ctx.dim(W, 1, 3);
  const K = ctx.dim(W, 2, 3);
  const slot = ctx.arg('slot');
  const topK = route.elements / 2;
  if (slot >= topK) ctx.fail(`slot ${slot} >= topK ${topK}`);
  const weighted = ctx.flag(FLAG_MOE_WEIGHTED);
  ctx.check(route, slot, 1, 'read');
  if (weighted) ctx.check(route, topK + slot, 1, 'read');
  const e = route.data[slot]!;
  if (!Number.isInteger(e) || e < 0 || e >= E) ctx.fail(`route[${slot}] = ${e} is not an expert of ${E}`);
  const scale = weighted ? route.data[topK + slot]! : 1;
  const kStart = ctx.arg('kStart');
  const kCount = ctx.arg('kCount') === 0 ? K - kStart : ctx.arg('kCount');
  if (kStart + kCount > K) ctx.fail(`kStart ${kStart} + kCount ${kCount} > K = ${K}`);
  if (tile.rowStart + tile.rowCount > N) ctx.fail(`rows [${tile.rowStart}, +${tile.rowCount}) > N = ${N}`);
  const accumulate = ctx.flag(FLAG_ACCUMULATE);
  // The expert's block of W, seen as [E·N, K]: its rows are e·N + r.
  const base = e * N;
  for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++)
    ctx.check(W, (base + r) * K + kStart, kCount, 'read');
  ctx.check(x, kStart, kCount, 'read');
  if (accumulate) ctx.check(y, tile.rowStart, tile.rowCount, 'read');
  ctx.check(y, tile.rowStart, tile.rowCount, 'write');
  for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
    const v = scale * rowDot(W.data, K, base + r, x.data, kStart, kStart + kCount);
    y.data[r] = accumulate ? y.data[r]! + v : v;
  }
  ctx.stored(y, tile.rowStart, tile.rowCount);
}
