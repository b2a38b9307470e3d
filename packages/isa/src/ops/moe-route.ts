/** MOE_ROUTE: a mixture of experts' routing decision from the router's logits. */
import { FLAG_MOE_NORMALIZE } from '../flags.js';
import { arg, defineOp, F32, tensor } from '../op-descriptor.js';

export const MOE_ROUTE = defineOp({
  name: 'MOE_ROUTE',
  value: 0xa7,
  category: 'elementwise',
  status: 'executable',
  summary:
    'p = softmax(logits) over the E experts (max-subtracted, f32); the topK largest p in descending order (ties: the lower expert first) give route[j] = their expert index (an integer-valued f32) and route[topK + j] = p / (normalize ? the chosen p summed : 1), j < topK',
  tensors: [
    tensor('t0', 'logits', 'read', F32, 'router logits [E] f32'),
    tensor(
      't1',
      'route',
      'write',
      F32,
      'routing decision [2 * topK] f32: expert indices, then their weights',
    ),
  ],
  args: [arg('a0', 'topK', 'experts chosen per token (1 <= topK <= E)', 'moeTopK')],
  floats: [],
  flags: [
    {
      mask: FLAG_MOE_NORMALIZE,
      name: 'normalize',
      doc: "divide the chosen experts' probabilities by their sum",
      model: 'moeNormalize',
    },
  ],
  file: 'moe_route',
  accesses(a) {
    const logits = a.tensor('logits');
    a.read(logits, a.whole(logits));
    const route = a.tensor('route');
    a.write(route, a.flat(route, 0, 2 * a.arg('topK')));
  },
  geometry(g) {
    const k = g.arg('topK');
    const E = g.elements('logits');
    if (k === 0 || k > E)
      g.mismatch('topK', k, 'arg-out-of-range', true, `topK ${k} must be in [1, E = ${E}]`);
    g.vector('route', 2 * k, '2 * topK');
  },
});
