/** FUSED_NORM_MATMUL: a row tile of W·norm(x), each tile recomputing the norm. */
import { fusedNormLinear } from '../geometry.js';
import { defineOp, F32, FLOAT, param, tensor } from '../op-descriptor.js';
import { EPS, fullRowTile, NORM_FLAGS, normInput, normParams, ROWS, tileRows } from './shared.js';

export const FUSED_NORM_MATMUL = defineOp({
  name: 'FUSED_NORM_MATMUL',
  value: 0xb0,
  category: 'fused',
  status: 'executable',
  summary: 'y[r] = W[r] · norm(x) (+ bias[r]) for rows in the tile; each tile recomputes the norm',
  tensors: [
    tensor('t0', 'x', 'read', F32, 'input [K] f32'),
    normParams('t1'),
    tensor('t2', 'W', 'stream', FLOAT, 'weight [N, K]'),
    param('t3', 'bias', 'bias [N]', true),
    tensor('t4', 'y', 'write', FLOAT, 'output [N]'),
  ],
  args: ROWS,
  floats: [EPS],
  flags: NORM_FLAGS,
  file: 'fused_norm_matmul',
  accesses(a) {
    normInput(a);
    fullRowTile(a, 'W');
    const [r0, r1] = tileRows(a);
    const y = a.tensor('y');
    a.write(y, a.flat(y, r0, r1));
  },
  geometry(g) {
    const nk = fusedNormLinear(g, 'W');
    if (!nk) return;
    g.vector('bias', nk[0], 'N');
    g.vector('y', nk[0], 'N');
  },
});
