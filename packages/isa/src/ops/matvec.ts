/** MATVEC: a row tile of y = W·x over a k range. */
import { FLAG_ACCUMULATE } from '../flags.js';
import { linear } from '../geometry.js';
import { defineOp, FLOAT, param, tensor } from '../op-descriptor.js';
import { K_RANGE, linearTile, ROWS } from './shared.js';

export const MATVEC = defineOp({
  name: 'MATVEC',
  value: 0x31,
  category: 'linear',
  status: 'executable',
  summary:
    'y[r] (+)= sum over k in [kStart, kStart+kCount) of W[r, k] * x[k] (+ bias[r] when kStart = 0), r in the tile',
  tensors: [
    tensor('t0', 'x', 'read', FLOAT, 'input vector [K]'),
    tensor('t1', 'W', 'stream', FLOAT, 'weight [N, K] (x·Wᵀ layout)'),
    tensor('t2', 'y', 'write', FLOAT, 'output [N]'),
    param('t3', 'bias', 'bias [N]', true),
  ],
  args: [...ROWS, ...K_RANGE],
  floats: [],
  flags: [{ mask: FLAG_ACCUMULATE, name: 'accumulate', doc: 'add into y instead of overwriting it' }],
  file: 'matvec',
  accesses(a) {
    const target = linearTile(a, 'y');
    if (a.flag(FLAG_ACCUMULATE)) a.update(a.tensor('y'), target);
    else a.write(a.tensor('y'), target);
  },
  geometry: (g) => linear(g, 'x', 'y', FLAG_ACCUMULATE),
});
