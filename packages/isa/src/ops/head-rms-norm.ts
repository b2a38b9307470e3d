/**
 * HEAD_RMS_NORM: RMSNorm of each head of a [H, d] vector, in place, with one gamma shared by all
 * heads: the per-head query and key norm of Qwen3 and Gemma 3 (issue 11). With `joint`, one RMSNorm
 * over the whole head range with a gamma of its full width: OLMo-2's q and k norms.
 */
import { FLAG_HEAD_NORM_JOINT } from '../flags.js';
import { arg, defineOp, F32, param, tensor } from '../op-descriptor.js';
import { EPS } from './shared.js';

export const HEAD_RMS_NORM = defineOp({
  name: 'HEAD_RMS_NORM',
  value: 0x53,
  category: 'norm',
  status: 'executable',
  summary:
    'for heads h in [headStart, headStart+headCount) of x [H, d]: x[h] = x[h] * rsqrt(mean(x[h]²) + eps) * gamma, in place (gamma [1, d] shared by the heads); joint: x[range] = x[range] * rsqrt(mean(x[range]²) + eps) * gamma (gamma [1, headCount·d])',
  tensors: [
    tensor('t0', 'x', 'update', F32, 'vector of heads [H, d] f32, normalised in place'),
    param('t1', 'gamma', 'per-head norm weight [1, d]; joint: [1, headCount·d]'),
  ],
  args: [arg('a0', 'headStart', 'first head'), arg('a1', 'headCount', 'heads (> 0)')],
  floats: [EPS],
  flags: [
    {
      mask: FLAG_HEAD_NORM_JOINT,
      name: 'joint',
      doc: 'one RMSNorm over the whole head range (gamma [1, headCount·d]) instead of one per head',
    },
  ],
  file: 'head_rms_norm',
  accesses(a) {
    const x = a.tensor('x');
    const d = x.shape[x.shape.length - 1]!;
    const h0 = a.arg('headStart');
    a.update(x, a.flat(x, h0 * d, (h0 + a.arg('headCount')) * d));
    const gamma = a.tensor('gamma');
    a.read(gamma, a.whole(gamma));
  },
  geometry(g) {
    if (!g.rank('x', 2) || !g.rank('gamma', 2)) return;
    const [H, d] = g.shape('x') as [number, number];
    g.dimEq('gamma', 0, 1, 'one row');
    if (g.flag(FLAG_HEAD_NORM_JOINT)) g.dimEq('gamma', 1, g.arg('headCount') * d, 'headCount · d');
    else g.dimEq('gamma', 1, d, 'head dim d');
    g.range('headStart', 'headCount', H);
  },
});
