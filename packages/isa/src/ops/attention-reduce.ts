/** ATTENTION_REDUCE: merges the chunks' partial outputs by their log-sum-exps. */
import { arg, defineOp, F32, FLOAT, tensor } from '../op-descriptor.js';

export const ATTENTION_REDUCE = defineOp({
  name: 'ATTENTION_REDUCE',
  value: 0x71,
  category: 'attention',
  status: 'executable',
  summary:
    'out[h] = sum_c exp(lse[c,h] - M) O[c,h] / sum_c exp(lse[c,h] - M), M = max_c lse[c,h], for heads h in [headStart, headStart+headCount)',
  tensors: [
    tensor('t0', 'partialO', 'read', F32, 'partial outputs [chunks, Hq, d] f32'),
    tensor('t1', 'lse', 'read', F32, 'partial LSE [chunks, Hq] f32'),
    tensor('t2', 'out', 'write', FLOAT, 'attention output [Hq, d]'),
  ],
  args: [arg('a0', 'headStart', 'first query head'), arg('a1', 'headCount', 'query heads (> 0)')],
  floats: [],
  flags: [],
  file: 'attention_reduce',
  accesses(a) {
    const po = a.tensor('partialO');
    const lse = a.tensor('lse');
    const o = a.tensor('out');
    const [chunks = 0, , d = 0] = po.shape;
    const h0 = a.arg('headStart');
    const h1 = h0 + a.arg('headCount');
    a.read(po, a.box(po, [0, h0, 0], [chunks, h1, d]));
    a.read(lse, a.box(lse, [0, h0], [chunks, h1]));
    a.write(o, a.flat(o, h0 * d, h1 * d));
  },
  geometry(g) {
    if (!g.rank('partialO', 3) || !g.rank('lse', 2)) return;
    const [C, Hq, d] = g.shape('partialO') as [number, number, number];
    if (C === 0) g.mismatch('partialO', C, 'shape-mismatch', true, 'at least one chunk');
    g.dimEq('lse', 0, C, 'chunks');
    g.dimEq('lse', 1, Hq, 'Hq');
    g.vector('out', Hq * d, 'Hq·d');
    g.range('headStart', 'headCount', Hq);
  },
});
