/**
 * ARGMAX (CUDA twin: `cuda-hopper/csrc/ops/argmax.cuh`): fold a tile of logits into the u64 key of
 * `pos` (orderedBits(logit) << 32 | 0xFFFFFFFF − row, low word first). The GPU's atomic max is a
 * plain max here; NaN logits and the suppressed row never win. FUSED_NORM_LM_HEAD_ARGMAX folds
 * through `foldArgmax` too.
 */
import { argmaxKey, argmaxKeyGreater } from '../maths/argmax.js';
import type { ExecContext, FloatOperandView } from '../vm/context.js';

export function foldArgmax(
  ctx: ExecContext,
  logits: FloatOperandView,
  rowStart: number,
  rowCount: number,
): void {
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
