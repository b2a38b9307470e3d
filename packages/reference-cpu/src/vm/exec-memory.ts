/** CACHE_APPEND, COPY, ZERO and EMBED_GATHER. */
import { FLAG_EMBED_FROM_ARGMAX } from '@megakernel/isa';
import { argmaxKeyToken } from '../ops/argmax.js';
import type { ExecContext, FloatOperandView } from './context.js';
import { isFloatDtype } from './memory.js';

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

/**
 * token = tokens[pos]; with embedFromArgmax a negative entry becomes the argmax of pos − 1 and is
 * written back; out = scale · table[token] (+ positions[pos]). A token outside [0, vocab) is a fault.
 */
export function executeEmbedGather(ctx: ExecContext): void {
  const tokens = ctx.tensor('tokens');
  const table = ctx.float('table');
  const positions = ctx.float('positions', true);
  const out = ctx.float('out');
  if (!(tokens.data instanceof Int32Array)) ctx.fail(`tokens is ${tokens.dtype}; i32 is needed`);
  const vocab = ctx.dim(table, 0, 2);
  const hidden = ctx.dim(table, 1, 2);
  ctx.check(tokens, ctx.pos, 1, 'read');
  let token = tokens.data[ctx.pos]!;
  if (token < 0 && ctx.flag(FLAG_EMBED_FROM_ARGMAX)) {
    const argmax = ctx.tensor('argmax');
    if (ctx.pos === 0) ctx.fail('tokens[0] is negative: there is no previous argmax');
    ctx.check(argmax, (ctx.pos - 1) * 2, 2, 'read');
    const low = argmax.data[(ctx.pos - 1) * 2]! >>> 0;
    token = argmaxKeyToken(low);
    ctx.check(tokens, ctx.pos, 1, 'write');
    tokens.data[ctx.pos] = token;
  }
  if (token < 0 || token >= vocab) ctx.fail(`token ${token} at pos ${ctx.pos} is outside [0, ${vocab})`);
  const scale = ctx.arg('scale');
  ctx.check(table, token * hidden, hidden, 'read');
  ctx.check(out, 0, hidden, 'write');
  if (positions) {
    if (ctx.dim(positions, 1, 2) !== hidden)
      ctx.fail(`positions [${positions.shape.join(', ')}] rows are not ${hidden} wide`);
    ctx.check(positions, ctx.pos * hidden, hidden, 'read');
  }
  for (let i = 0; i < hidden; i++) {
    const v = scale * table.data[token * hidden + i]!;
    out.data[i] = positions ? v + positions.data[ctx.pos * hidden + i]! : v;
  }
  ctx.stored(out, 0, hidden);
}
