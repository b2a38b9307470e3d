/** MATVEC, FUSED_MATMUL_RESIDUAL, FUSED_NORM_MATMUL and FUSED_NORM_GATE_UP_ACT: row tiles of x·Wᵀ. */
import { type ActivationKind, FLAG_ACCUMULATE, FLAG_GATED } from '@megakernel/isa';
import { activationFunction } from '../ops/activations.js';
import { rowDot } from '../ops/matvec.js';
import type { ExecContext, FloatOperandView } from './context.js';
import { fusedNormalizedInput } from './exec-norm.js';

const ACTIVATIONS: readonly ActivationKind[] = ['silu', 'gelu', 'gelu_tanh', 'relu'];

interface Tile {
  readonly rowStart: number;
  readonly rowCount: number;
}

/** W [N, K]: checks the tile's rows and returns K. */
function weightRows(ctx: ExecContext, W: FloatOperandView, tile: Tile): number {
  const K = ctx.dim(W, 1, 2);
  ctx.check(W, tile.rowStart * K, tile.rowCount * K, 'read');
  return K;
}

function rowTile(ctx: ExecContext): Tile {
  return { rowStart: ctx.arg('rowStart'), rowCount: ctx.arg('rowCount') };
}

/** y[r] (+)= Σ_{k ∈ [kStart, kStart+kCount)} W[r,k]·x[k] (+ bias[r] when kStart = 0), for MATVEC (out = y) and FUSED_MATMUL_RESIDUAL (out, always accumulating). */
function partialProduct(ctx: ExecContext, outName: string, accumulate: boolean): void {
  const tile = rowTile(ctx);
  const x = ctx.float('x');
  const W = ctx.float('W');
  const out = ctx.float(outName);
  const bias = ctx.float('bias', true);
  const K = weightRows(ctx, W, tile);
  const kStart = ctx.arg('kStart');
  const kCount = ctx.arg('kCount') === 0 ? K - kStart : ctx.arg('kCount');
  if (kStart + kCount > K) ctx.fail(`kStart ${kStart} + kCount ${kCount} > K = ${K}`);
  ctx.check(x, kStart, kCount, 'read');
  if (bias && kStart === 0) ctx.check(bias, tile.rowStart, tile.rowCount, 'read');
  if (accumulate) ctx.check(out, tile.rowStart, tile.rowCount, 'read');
  ctx.check(out, tile.rowStart, tile.rowCount, 'write');
  for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
    let v = rowDot(W.data, K, r, x.data, kStart, kStart + kCount);
    if (bias && kStart === 0) v += bias.data[r]!;
    out.data[r] = accumulate ? out.data[r]! + v : v;
  }
  ctx.stored(out, tile.rowStart, tile.rowCount);
}

export function executeMatvec(ctx: ExecContext): void {
  partialProduct(ctx, 'y', ctx.flag(FLAG_ACCUMULATE));
}

/** The splitK flag only tells the GPU to add atomically; one VM step at a time makes plain adds exact. */
export function executeFusedMatmulResidual(ctx: ExecContext): void {
  partialProduct(ctx, 'out', true);
}

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

export function executeFusedNormGateUpAct(ctx: ExecContext): void {
  const tile = rowTile(ctx);
  const n = fusedNormalizedInput(ctx);
  const gated = ctx.flag(FLAG_GATED);
  const kind = ACTIVATIONS[ctx.activationCode()];
  if (!kind) ctx.fail(`activation code ${ctx.activationCode()} is not defined`);
  const act = activationFunction(kind);
  const Wup = ctx.float('Wup');
  const upBias = ctx.float('upBias', true);
  const Wgate = gated ? ctx.float('Wgate') : null;
  const gateBias = gated ? ctx.float('gateBias', true) : null;
  const out = ctx.float('out');
  const K = weightRows(ctx, Wup, tile);
  if (K !== n.length) ctx.fail(`Wup has ${K} columns, x has ${n.length} elements`);
  if (Wgate && weightRows(ctx, Wgate, tile) !== K) ctx.fail('Wgate and Wup differ in columns');
  for (const b of [upBias, gateBias]) if (b) ctx.check(b, tile.rowStart, tile.rowCount, 'read');
  ctx.check(out, tile.rowStart, tile.rowCount, 'write');
  for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
    const up = rowDot(Wup.data, K, r, n, 0, K) + (upBias ? upBias.data[r]! : 0);
    if (Wgate) {
      const gate = rowDot(Wgate.data, K, r, n, 0, K) + (gateBias ? gateBias.data[r]! : 0);
      out.data[r] = act(gate) * up;
    } else {
      out.data[r] = act(up);
    }
  }
  ctx.stored(out, tile.rowStart, tile.rowCount);
}
