/** MATMUL: a row tile of Y = X·Wᵀ for a range of a prefill step's tokens (the weights read once). */
import { FLAG_ACCUMULATE } from '../flags.js';
import { arg, defineOp, FLOAT, param, tensor } from '../op-descriptor.js';
import type { TensorEntry } from '../program-types.js';
import { K_RANGE, ROWS, tileRows } from './shared.js';

export const MATMUL = defineOp({
  name: 'MATMUL',
  value: 0x30,
  category: 'linear',
  status: 'executable',
  summary:
    'for t in [token, token+tokenCount): y[t, r] (+)= sum over k in [kStart, kStart+kCount) of W[r, k] * x[t, k] (+ bias[r] when kStart = 0), r in the tile',
  tensors: [
    tensor('t0', 'x', 'read', FLOAT, 'inputs [T, ...] of K elements per token (token axis)'),
    tensor('t1', 'W', 'stream', FLOAT, 'weight [N, K] (x·Wᵀ layout)'),
    tensor('t2', 'y', 'write', FLOAT, 'outputs [T, ...] of N elements per token (token axis)'),
    param('t3', 'bias', 'bias [N]', true),
  ],
  args: [...ROWS, ...K_RANGE, arg('b0', 'tokenCount', 'tokens in the range (> 0), from the token field')],
  floats: [],
  flags: [{ mask: FLAG_ACCUMULATE, name: 'accumulate', doc: 'add into y instead of overwriting it' }],
  file: 'matmul',
  tokenRange: true,
  accesses(a) {
    const [r0, r1] = tileRows(a);
    const x = a.tensor('x');
    const w = a.tensor('W');
    const y = a.tensor('y');
    const K = w.shape[1] ?? 1;
    const k0 = a.arg('kStart');
    const k1 = a.arg('kCount') === 0 ? K : k0 + a.arg('kCount');
    const t0 = a.inst.token;
    const t1 = t0 + a.arg('tokenCount');
    const N = w.shape[0] ?? 1;
    const rows = (t: TensorEntry, n: number, lo: number, hi: number): number[] =>
      a.box({ ...t, shape: [t.shape[0] ?? 0, n] }, [t0, lo], [t1, hi]);
    a.read(x, rows(x, K, k0, k1));
    a.read(w, a.rows(w, r0, r1, k0, k1));
    const bias = a.opt('bias');
    if (bias && k0 === 0) a.read(bias, a.flat(bias, r0, r1));
    const target = rows(y, N, r0, r1);
    if (a.flag(FLAG_ACCUMULATE)) a.update(y, target);
    else a.write(y, target);
  },
  geometry(g) {
    if (!g.rank('W', 2) || !g.has('x') || !g.has('y')) return;
    const [N, K] = g.shape('W') as [number, number];
    const T = g.shape('x')[0] ?? 0;
    g.vector('x', T * K, 'T·K');
    g.dimEq('y', 0, T, 'T');
    g.vector('y', T * N, 'T·N');
    g.vector('bias', N, 'N');
    g.range('rowStart', 'rowCount', N);
    g.kRange(K);
    const count = g.arg('tokenCount');
    if (count === 0) g.mismatch('tokenCount', 0, 'empty-tile', true, 'tokenCount is 0');
    if (g.inst.token + count > T)
      g.mismatch(
        'tokenCount',
        count,
        'tile-out-of-range',
        true,
        `tokens [${g.inst.token}, +${count}) of ${T}`,
      );
  },
});
