/** FUSED_NORM_LM_HEAD_ARGMAX: a row tile of the LM head over norm(x), folded into the argmax key. */
import { fusedNormLinear } from '../geometry.js';
import { defineOp, F32, FLOAT, float, param, residual, tensor } from '../op-descriptor.js';
import {
  ARGMAX_KEYS,
  EPS,
  fullRowTile,
  NORM_FLAGS,
  normInput,
  normParams,
  ROWS,
  SUPPRESS,
  tileRows,
} from './shared.js';

export const FUSED_NORM_LM_HEAD_ARGMAX = defineOp({
  name: 'FUSED_NORM_LM_HEAD_ARGMAX',
  value: 0xb7,
  category: 'fused',
  status: 'executable',
  summary:
    'logits[r] = scale * (W[r]·norm(x) (+ bias[r])) for the tile, folded into the argmax key of pos as ARGMAX does',
  tensors: [
    residual(tensor('t0', 'x', 'read', F32, 'hidden state [hidden] f32')),
    normParams('t1'),
    tensor('t2', 'W', 'stream', FLOAT, 'LM head [V, hidden]'),
    param('t3', 'bias', 'bias [V]', true),
    tensor('t4', 'logits', 'write', F32, 'logits [V] f32'),
    tensor('t5', 'argmax', 'update', ['u32'], ARGMAX_KEYS),
  ],
  args: [...ROWS, SUPPRESS],
  floats: [EPS, float('f1', 'scale', 'multiplies the logits (1 but for Granite)', 'logitsScale')],
  flags: NORM_FLAGS,
  file: 'fused_norm_lm_head_argmax',
  accesses(a) {
    normInput(a);
    fullRowTile(a, 'W');
    const [r0, r1] = tileRows(a);
    const logits = a.tensor('logits');
    a.write(logits, a.flat(logits, r0, r1));
    const keys = a.tensor('argmax');
    a.atomicMax(keys, a.row(keys, a.pos));
  },
  geometry(g) {
    const nk = fusedNormLinear(g, 'W');
    if (!nk) return;
    g.vector('bias', nk[0], 'V');
    g.vector('logits', nk[0], 'V');
    g.argmaxKeys('argmax');
  },
});
