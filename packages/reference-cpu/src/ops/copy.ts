/** COPY, ZERO and CACHE_APPEND (CUDA twin: `cuda-hopper/csrc/ops/copy.cuh`). */
import type { ExecContext, FloatOperandView } from '../vm/context.js';
import { isFloatDtype } from '../vm/memory.js';

export function executeCacheAppend(ctx: ExecContext): void {
  const src = ctx.float('src');
  const kv = ctx.float('kv');
  const maxSeq = ctx.dim(kv, 1, 4);
  const row = ctx.dim(kv, 2, 4) * ctx.dim(kv, 3, 4);
  const which = ctx.arg('which');
  if (which > 1) ctx.fail(`which = ${which}: 0 (K) or 1 (V)`);
  if (ctx.pos >= maxSeq) ctx.fail(`pos ${ctx.pos} is beyond the KV cache's ${maxSeq} positions`);
  const offset = ctx.arg('offset');
  const dst = (which * maxSeq + ctx.pos) * row;
  ctx.check(src, offset, row, 'read');
  ctx.check(kv, dst, row, 'write');
  kv.data.set(src.data.subarray(offset, offset + row), dst);
  ctx.stored(kv, dst, row);
}

/** Element-by-element through JS numbers: ints to floats exactly when representable, floats round to the store dtype. */
export function executeCopy(ctx: ExecContext): void {
  const src = ctx.tensor('src');
  const dst = ctx.tensor('dst');
  const srcOffset = ctx.arg('srcOffset');
  const dstOffset = ctx.arg('dstOffset');
  const count = ctx.arg('count');
  ctx.check(src, srcOffset, count, 'read');
  ctx.check(dst, dstOffset, count, 'write');
  // A temporary copy keeps overlapping ranges of one buffer correct (memmove semantics).
  const values = Array.from(src.data.subarray(srcOffset, srcOffset + count));
  if (!isFloatDtype(dst.dtype as 'f32') && isFloatDtype(src.dtype as 'f32')) {
    for (let i = 0; i < values.length; i++) values[i] = Math.trunc(values[i]!);
  }
  dst.data.set(values, dstOffset);
  if (dst.data instanceof Float32Array) ctx.stored(dst as FloatOperandView, dstOffset, count);
}

export function executeZero(ctx: ExecContext): void {
  const dst = ctx.tensor('dst');
  const offset = ctx.arg('offset');
  const count = ctx.arg('count');
  ctx.check(dst, offset, count, 'write');
  dst.data.fill(0, offset, offset + count);
}
