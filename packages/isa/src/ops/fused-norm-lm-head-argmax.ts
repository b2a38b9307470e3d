/** FUSED_NORM_LM_HEAD_ARGMAX: a row tile of the LM head over norm(x), folded into the argmax key. */
import { fusedNormLinear } from '../geometry.js';
import { arg, defineOp, F32, FLOAT, float, param, residual, tensor } from '../op-descriptor.js';
import {
  ARGMAX_KEYS,
  CANDIDATE_KEYS,
  CANDIDATES_PER_LIST,
  EPS,
  fullRowTile,
  NORM_FLAGS,
  normInput,
  normParams,
  ROWS,
  SAMPLING_PARAMS,
  SAMPLING_WORDS,
  SUPPRESS,
  tileRows,
} from './shared.js';

export const FUSED_NORM_LM_HEAD_ARGMAX = defineOp({
  name: 'FUSED_NORM_LM_HEAD_ARGMAX',
  value: 0xb7,
  category: 'fused',
  status: 'executable',
  summary:
    "logits[r] = scale * (W[r]·norm(x) (+ bias[r])) for the tile, folded into the argmax key of pos as ARGMAX does; with candidates, the tile's 64 largest keys (0 pads) into row candidateList for SAMPLE, unless sampling is present and its words are greedy (topK 0 or 1, or temperature 0: SAMPLE keeps the argmax), when that row is left as it was",
  tensors: [
    residual(tensor('t0', 'x', 'read', F32, 'hidden state [hidden] f32')),
    normParams('t1'),
    tensor('t2', 'W', 'stream', FLOAT, 'LM head [V, hidden]'),
    param('t3', 'bias', 'bias [V]', true),
    tensor('t4', 'logits', 'write', F32, 'logits [V] f32'),
    tensor('t5', 'argmax', 'update', ['u32'], ARGMAX_KEYS),
    tensor('t6', 'candidates', 'write', ['u32'], CANDIDATE_KEYS, true),
    tensor('t7', 'sampling', 'read', ['u32'], SAMPLING_PARAMS, true),
  ],
  args: [...ROWS, SUPPRESS, arg('a3', 'candidateList', "this tile's row of candidates (with candidates)")],
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
    const candidates = a.opt('candidates');
    const sampling = a.opt('sampling');
    if (sampling) a.read(sampling, a.whole(sampling));
    if (candidates) {
      const row = a.row(candidates, a.arg('candidateList'));
      // With the sampling words, greedy settings skip the write: it may not happen.
      if (sampling) a.mayWrite(candidates, row);
      else a.write(candidates, row);
    }
  },
  geometry(g) {
    const nk = fusedNormLinear(g, 'W');
    if (!nk) return;
    g.vector('bias', nk[0], 'V');
    g.vector('logits', nk[0], 'V');
    g.argmaxKeys('argmax');
    if (g.has('candidates') && g.rank('candidates', 2)) {
      g.dimEq('candidates', 1, 2 * CANDIDATES_PER_LIST, '2 * candidates per list');
      g.range('candidateList', 'candidateList', g.shape('candidates')[0]!, g.arg('candidateList'), 1);
    }
    g.vector('sampling', SAMPLING_WORDS, 'sampling words');
    if (g.has('sampling') && !g.has('candidates'))
      g.mismatch(
        'sampling',
        'present',
        'unused-operand',
        false,
        'sampling without candidates: nothing reads it',
      );
  },
});
