/** FUSED_MATMUL_RESIDUAL: the O and down projections, added into the residual stream. */
import { FLAG_SPLIT_K } from '../flags.js';
import { linear } from '../geometry.js';
import { defineOp, F32, FLOAT, float, param, residual, tensor } from '../op-descriptor.js';
import { K_RANGE, linearTile, ROWS } from './shared.js';

export const FUSED_MATMUL_RESIDUAL = defineOp({
  name: 'FUSED_MATMUL_RESIDUAL',
  value: 0xb4,
  category: 'fused',
  status: 'executable',
  summary:
    'out[r] += scale * (sum over k in [kStart, kStart+kCount) of W[r, k] * x[k] (+ bias[r] when kStart = 0)): O and down projections with the residual add',
  tensors: [
    tensor('t0', 'x', 'read', FLOAT, 'input [K]'),
    tensor('t1', 'W', 'stream', FLOAT, 'weight [N, K]'),
    residual(tensor('t2', 'out', 'update', F32, 'residual stream [N] f32, updated in place')),
    param('t3', 'bias', 'bias [N]', true),
  ],
  args: [...ROWS, ...K_RANGE],
  floats: [
    float('f0', 'scale', 'multiplies the product before the add (1 but for Granite)', 'residualScale'),
  ],
  flags: [
    {
      mask: FLAG_SPLIT_K,
      name: 'splitK',
      doc: 'other instructions add into the same rows (GPU: atomic adds)',
    },
  ],
  file: 'fused_matmul_residual',
  accesses(a) {
    const target = linearTile(a, 'out');
    if (a.flag(FLAG_SPLIT_K)) a.atomicAdd(a.tensor('out'), target);
    else a.update(a.tensor('out'), target);
  },
  geometry: (g) => linear(g, 'x', 'out', FLAG_SPLIT_K),
});
