/**
 * MOE_MATVEC: MATVEC on the expert a routing decision chose for one of its slots. Which expert's rows
 * stream depends on data computed in the same step, so the GPU loader reads the route only after the
 * instruction's own waits (see the verifier's loader-read rule); the weight read is modelled as one
 * expert's block, the slot's, standing for whichever expert the route names.
 */
import { FLAG_ACCUMULATE, FLAG_MOE_WEIGHTED } from '../flags.js';
import { arg, defineOp, F32, FLOAT, loaderRead, tensor } from '../op-descriptor.js';
import { tensorElementCount } from '../tensor-extent.js';
import { K_RANGE, ROWS, tileRows } from './shared.js';

export const MOE_MATVEC = defineOp({
  name: 'MOE_MATVEC',
  value: 0x34,
  category: 'linear',
  status: 'executable',
  summary:
    'e = route[slot] (an expert index), w = route[topK + slot]; y[r] (+)= (weighted ? w : 1) * sum over k in [kStart, kStart+kCount) of W[e, r, k] * x[k], r in the tile',
  tensors: [
    tensor('t0', 'x', 'read', FLOAT, 'input vector [K]'),
    tensor('t1', 'W', 'stream', FLOAT, "the experts' weights [E, N, K] (x·Wᵀ layout per expert)"),
    tensor('t2', 'y', 'write', FLOAT, 'output [N]'),
    loaderRead(tensor('t3', 'route', 'read', F32, 'routing decision [2 * topK] (MOE_ROUTE)')),
  ],
  args: [
    ...ROWS,
    ...K_RANGE,
    { ...arg('b0', 'slot', 'which chosen expert (0 <= slot < topK)'), selector: true },
  ],
  floats: [],
  flags: [
    { mask: FLAG_ACCUMULATE, name: 'accumulate', doc: 'add into y instead of overwriting it' },
    { mask: FLAG_MOE_WEIGHTED, name: 'weighted', doc: "multiply the product by the slot's routing weight" },
  ],
  // MATVEC's kernel, reading the slot's weight from the plan (cuda-hopper: one dispatch case for both).
  file: 'matvec',
  accesses(a) {
    const [r0, r1] = tileRows(a);
    const x = a.tensor('x');
    const w = a.tensor('W');
    const [E = 1, , K = 1] = w.shape;
    const kStart = a.arg('kStart');
    const kc = a.arg('kCount') === 0 ? K - kStart : a.arg('kCount');
    const slot = a.arg('slot');
    const route = a.tensor('route');
    const topK = tensorElementCount(route) / 2;
    a.read(route, a.flat(route, slot, slot + 1));
    if (a.flag(FLAG_MOE_WEIGHTED)) a.read(route, a.flat(route, topK + slot, topK + slot + 1));
    a.read(x, a.flat(x, kStart, kStart + kc));
    const e = slot % E;
    a.readDataDependent(w, a.box(w, [e, r0, kStart], [e + 1, r1, kStart + kc]));
    const y = a.tensor('y');
    const target = a.flat(y, r0, r1);
    if (a.flag(FLAG_ACCUMULATE)) a.update(y, target);
    else a.write(y, target);
  },
  geometry(g) {
    if (!g.rank('W', 3)) return;
    const [, N, K] = g.shape('W') as [number, number, number];
    g.vector('x', K, 'K');
    g.vector('y', N, 'N');
    g.range('rowStart', 'rowCount', N);
    g.kRange(K);
    const pairs = g.elements('route') / 2;
    if (g.arg('slot') >= pairs)
      g.mismatch('slot', g.arg('slot'), 'arg-out-of-range', true, `slot ${g.arg('slot')} >= topK ${pairs}`);
  },
});
