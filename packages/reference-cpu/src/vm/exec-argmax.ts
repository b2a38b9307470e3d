/**
 * ARGMAX and FUSED_NORM_LM_HEAD_ARGMAX: fold a tile of logits into the u64 key of `pos`
 * (orderedBits(logit) << 32 | 0xFFFFFFFF − row, low word first). The GPU's atomic max is a plain
 * max here; NaN logits and the suppressed row never win.
 */
import { argmaxKey, argmaxKeyGreater } from '../ops/argmax.js';
import { rowDot } from '../ops/matvec.js';
import type { ExecContext, FloatOperandView } from './context.js';
import { fusedNormalizedInput } from './exec-norm.js';

function foldArgmax(ctx: ExecContext, logits: FloatOperandView, rowStart: number, rowCount: number): void {
  const keys = ctx.tensor('argmax');
  if (!(keys.data instanceof Uint32Array)) ctx.fail(`argmax is ${keys.dtype}; u32 is needed`);
  const suppress = ctx.arg('suppressToken');
  const slot = ctx.pos * 2;
  ctx.check(keys, slot, 2, 'read');
  ctx.check(keys, slot, 2, 'write');
  let low = keys.data[slot]!;
  let high = keys.data[slot + 1]!;
  for (let r = rowStart; r < rowStart + rowCount; r++) {
    const v = logits.data[r]!;
    if (r === suppress || Number.isNaN(v)) continue;
    const k = argmaxKey(v, r);
    if (argmaxKeyGreater(k.low, k.high, low, high)) {
      low = k.low;
      high = k.high;
    }
  }
  keys.data[slot] = low;
  keys.data[slot + 1] = high;
}

export function executeArgmax(ctx: ExecContext): void {
  const logits = ctx.float('logits');
  const rowStart = ctx.arg('rowStart');
  const rowCount = ctx.arg('rowCount');
  ctx.check(logits, rowStart, rowCount, 'read');
  foldArgmax(ctx, logits, rowStart, rowCount);
}

/** The logits are stored (rounded to their dtype) first; the fold reads the stored values. */
export function executeFusedNormLmHeadArgmax(ctx: ExecContext): void {
  const rowStart = ctx.arg('rowStart');
  const rowCount = ctx.arg('rowCount');
  const n = fusedNormalizedInput(ctx);
  const W = ctx.float('W');
  const bias = ctx.float('bias', true);
  const logits = ctx.float('logits');
  const K = ctx.dim(W, 1, 2);
  if (K !== n.length) ctx.fail(`W has ${K} columns, x has ${n.length} elements`);
  ctx.check(W, rowStart * K, rowCount * K, 'read');
  if (bias) ctx.check(bias, rowStart, rowCount, 'read');
  ctx.check(logits, rowStart, rowCount, 'write');
  for (let r = rowStart; r < rowStart + rowCount; r++) {
    logits.data[r] = rowDot(W.data, K, r, n, 0, K) + (bias ? bias.data[r]! : 0);
  }
  ctx.stored(logits, rowStart, rowCount);
  foldArgmax(ctx, logits, rowStart, rowCount);
}
