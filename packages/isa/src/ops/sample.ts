/**
 * SAMPLE: the step's token drawn on the device from the LM head tiles' candidate keys, with the host
 * sampler's semantics (temperature, top-k, top-p, one uniform draw), written over the argmax key.
 */
import { defineOp, tensor } from '../op-descriptor.js';
import {
  ARGMAX_KEYS,
  CANDIDATE_KEYS,
  CANDIDATES_PER_LIST,
  SAMPLING_PARAMS,
  SAMPLING_WORDS,
} from './shared.js';

export const SAMPLE = defineOp({
  name: 'SAMPLE',
  value: 0xa8,
  category: 'elementwise',
  status: 'executable',
  summary:
    'with sampling[0] = topK in [2, 64] and temperature > 0: the topK largest candidate keys (key order: larger logit, then lower row), w_i = exp((l_i - l_0) / temperature) in f64, the top-p prefix (tokens while the mass before them is below topP * total), u = (uniforms[pos][0] * 2^26 + uniforms[pos][1]) / 2^53, the first token whose cumulative probability exceeds u (else the last) has its key stored at key[pos]; otherwise (topK 0 or 1, as in zeroed words, or temperature 0) key[pos] keeps the argmax. topK > 64, a negative temperature or topP outside (0, 1] is a run-time fault',
  tensors: [
    tensor('t0', 'candidates', 'read', ['u32'], CANDIDATE_KEYS),
    tensor('t1', 'sampling', 'read', ['u32'], SAMPLING_PARAMS),
    tensor(
      't2',
      'uniforms',
      'read',
      ['u32'],
      'uniform draws [maxSeq, 2] u32: 27 and 26 random bits per position',
    ),
    tensor('t3', 'argmax', 'update', ['u32'], ARGMAX_KEYS),
  ],
  args: [],
  floats: [],
  flags: [],
  file: 'sample',
  accesses(a) {
    const candidates = a.tensor('candidates');
    a.read(candidates, a.whole(candidates));
    const sampling = a.tensor('sampling');
    a.read(sampling, a.whole(sampling));
    const uniforms = a.tensor('uniforms');
    a.read(uniforms, a.row(uniforms, a.pos));
    const keys = a.tensor('argmax');
    a.mayWrite(keys, a.row(keys, a.pos));
  },
  geometry(g) {
    if (g.rank('candidates', 2)) g.dimEq('candidates', 1, 2 * CANDIDATES_PER_LIST, '2 * candidates per list');
    g.vector('sampling', SAMPLING_WORDS, 'sampling words');
    if (g.rank('uniforms', 2)) {
      g.seqRows('uniforms', 0);
      g.dimEq('uniforms', 1, 2, 'two draws');
    }
    g.argmaxKeys('argmax');
  },
});
