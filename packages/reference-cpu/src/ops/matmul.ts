/**
 * MATMUL (CUDA twin: `cuda-hopper/csrc/ops/matmul.cuh`, to come with GPU prefill): a row tile of
 * Y (+)= X·Wᵀ over a K range for the tokens [token, token + tokenCount) of a prefill step. Each token's
 * row is exactly MATVEC's product (same dot, same rounding), so prefill equals decode token by token.
 */
import { FLAG_ACCUMULATE } from '@megakernel/isa';
import { rowDot } from '../maths/matvec.js';
import type { ExecContext } from '../vm/context.js';
import { rowTile } from './matvec.js';

export function executeMatmul(ctx: ExecContext): void {
  const tile = rowTile(ctx);
  const x = ctx.float('x');
  const W = ctx.float('W');
  const y = ctx.float('y');
  const bias = ctx.float('bias', true);
  const accumulate = ctx.flag(FLAG_ACCUMULATE);
  const K = ctx.dim(W, 1, 2);
  const N = ctx.dim(W, 0, 2);
  const T = ctx.dim(x, 0);
  if (x.elements !== T * K) ctx.fail(`x [${x.shape.join(', ')}] is not ${T} tokens of K = ${K}`);
  if (ctx.dim(y, 0) !== T || y.elements !== T * N)
    ctx.fail(`y [${y.shape.join(', ')}] is not ${T} tokens of N = ${N}`);
  const t0 = ctx.inst.token;
  const t1 = t0 + ctx.arg('tokenCount');
  if (t1 > T || t1 === t0) ctx.fail(`tokens [${t0}, ${t1}) of ${T}`);
  const kStart = ctx.arg('kStart');
  const kCount = ctx.arg('kCount') === 0 ? K - kStart : ctx.arg('kCount');
  if (kStart + kCount > K) ctx.fail(`kStart ${kStart} + kCount ${kCount} > K = ${K}`);
  for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++)
    ctx.check(W, r * K + kStart, kCount, 'read');
  if (bias && kStart === 0) ctx.check(bias, tile.rowStart, tile.rowCount, 'read');
  for (let t = t0; t < t1; t++) {
    ctx.check(x, t * K + kStart, kCount, 'read');
    const out = t * N;
    if (accumulate) ctx.check(y, out + tile.rowStart, tile.rowCount, 'read');
    ctx.check(y, out + tile.rowStart, tile.rowCount, 'write');
    for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
      // rowDot over x's row t: x is [T, K], so its row is a K-long view.
      let v = rowDot(W.data, K, r, x.data.subarray(t * K, (t + 1) * K), kStart, kStart + kCount);
      if (bias && kStart === 0) v += bias.data[r]!;
      y.data[out + r] = accumulate ? y.data[out + r]! + v : v;
    }
    ctx.stored(y, out + tile.rowStart, tile.rowCount);
  }
}
