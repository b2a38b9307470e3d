/** EMBED_GATHER (CUDA twin: `cuda-hopper/csrc/ops/embed_gather.cuh`). */
import { FLAG_EMBED_FROM_ARGMAX } from '@megakernel/isa';
import { argmaxKeyToken } from '../maths/argmax.js';
import type { ExecContext } from '../vm/context.js';

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
