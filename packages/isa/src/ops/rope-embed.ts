/** ROPE_EMBED: rotary position embedding of whole heads, in place. */
import { arg, defineOp, F32, FLOAT, tensor } from '../op-descriptor.js';

export const ROPE_EMBED = defineOp({
  name: 'ROPE_EMBED',
  value: 0x72,
  category: 'attention',
  status: 'executable',
  summary:
    'rotates the first rot dims of heads [headStart, headStart+headCount) of x in place at `pos`: (x[2i], x[2i+1]) → (x0·cos − x1·sin, x0·sin + x1·cos) with (cos, sin) = rope[pos, i] (interleaved pairs; checkpoints in rotate-half order are permuted at load)',
  tensors: [
    tensor('t0', 'x', 'update', FLOAT, 'vector of heads [H, d]'),
    tensor('t1', 'rope', 'read', F32, 'table [maxSeq, rot/2, 2] of (cos, sin)'),
  ],
  args: [arg('a0', 'headStart', 'first head'), arg('a1', 'headCount', 'heads (> 0)')],
  floats: [],
  flags: [],
  file: 'rope_embed',
  accesses(a) {
    const x = a.tensor('x');
    const d = x.shape[x.shape.length - 1]!;
    const h0 = a.arg('headStart');
    a.update(x, a.flat(x, h0 * d, (h0 + a.arg('headCount')) * d));
    const rope = a.tensor('rope');
    a.read(rope, a.row(rope, a.pos));
  },
  geometry(g) {
    if (!g.rank('x', 2)) return;
    const [H, d] = g.shape('x') as [number, number];
    g.ropeTable('rope', d);
    g.range('headStart', 'headCount', H);
  },
});
