/**
 * ROPE_EMBED (CUDA twin: `cuda-hopper/csrc/ops/rope_embed.cuh`): rotates a head range of x in place by
 * the RoPE table's row at pos. FUSED_NORM_QKV_ROPE reads the table through `ropeRow` too.
 */
import type { ExecContext, FloatOperandView } from '../vm/context.js';

/** The (cos, sin) pair i of the table rope [maxSeq, rot/2, 2] at pos; returns rot/2 and the row's first element. */
export function ropeRow(ctx: ExecContext, rope: FloatOperandView): { half: number; base: number } {
  const half = ctx.dim(rope, 1, 3);
  if (ctx.dim(rope, 2, 3) !== 2) ctx.fail(`rope [${rope.shape.join(', ')}] must end in (cos, sin) pairs`);
  if (ctx.pos >= ctx.dim(rope, 0, 3))
    ctx.fail(`pos ${ctx.pos} is beyond the RoPE table's ${rope.shape[0]} rows`);
  const base = ctx.pos * half * 2;
  ctx.check(rope, base, half * 2, 'read');
  return { half, base };
}

/** Rotates interleaved pairs (2i, 2i+1), i < half, of the head starting at `base` of `v` by the table row. */
function rotateHead(
  v: Float32Array | Float64Array,
  base: number,
  rope: Float32Array,
  ropeBase: number,
  half: number,
): void {
  for (let i = 0; i < half; i++) {
    const a = v[base + 2 * i]!;
    const b = v[base + 2 * i + 1]!;
    const c = rope[ropeBase + 2 * i]!;
    const s = rope[ropeBase + 2 * i + 1]!;
    v[base + 2 * i] = a * c - b * s;
    v[base + 2 * i + 1] = a * s + b * c;
  }
}

export function executeRopeEmbed(ctx: ExecContext): void {
  const x = ctx.float('x');
  const rope = ctx.float('rope');
  const d = ctx.dim(x, 1, 2);
  const { half, base } = ropeRow(ctx, rope);
  if (2 * half > d) ctx.fail(`RoPE rotates ${2 * half} dims of ${d}-dim heads`);
  const headStart = ctx.arg('headStart');
  const headCount = ctx.arg('headCount');
  ctx.check(x, headStart * d, headCount * d, 'read');
  ctx.check(x, headStart * d, headCount * d, 'write');
  for (let h = headStart; h < headStart + headCount; h++) rotateHead(x.data, h * d, rope.data, base, half);
  ctx.stored(x, headStart * d, headCount * d);
}
