/** FUSED_NORM_GATE_UP_ACT: a row tile of the MLP input, act(gate)·up or act(up), over norm(x). */
import { FLAG_ACTIVATION_MASK, FLAG_GATED } from '../flags.js';
import { fusedNormLinear } from '../geometry.js';
import { defineOp, F32, FLOAT, param, residual, tensor } from '../op-descriptor.js';
import { EPS, fullRowTile, NORM_FLAGS, normInput, normParams, ROWS, tileRows } from './shared.js';

export const FUSED_NORM_GATE_UP_ACT = defineOp({
  name: 'FUSED_NORM_GATE_UP_ACT',
  value: 0xb6,
  category: 'fused',
  status: 'executable',
  summary: 'out[r] = act(gate[r]·n + bg[r]) * (up[r]·n + bu[r]) (gated) or act(up[r]·n + bu[r]), n = norm(x)',
  tensors: [
    residual(tensor('t0', 'x', 'read', F32, 'hidden state [hidden] f32')),
    normParams('t1'),
    tensor('t2', 'Wgate', 'stream', FLOAT, 'gate weight [I, hidden] (present exactly when gated)', true),
    tensor('t3', 'Wup', 'stream', FLOAT, 'up weight [I, hidden]'),
    param('t4', 'gateBias', 'gate bias [I] (gated only)', true),
    param('t5', 'upBias', 'up bias [I]', true),
    tensor('t6', 'out', 'write', FLOAT, 'MLP activations [I]'),
  ],
  args: ROWS,
  floats: [EPS],
  flags: [
    ...NORM_FLAGS,
    { mask: FLAG_GATED, name: 'gated', doc: 'act(gate) * up', model: 'mlpGated' },
    {
      mask: FLAG_ACTIVATION_MASK,
      name: 'activation',
      doc: '0 silu, 1 gelu (erf), 2 gelu_tanh, 3 relu',
      model: 'activation',
    },
  ],
  file: 'fused_norm_gate_up_act',
  accesses(a) {
    normInput(a);
    if (a.flag(FLAG_GATED)) fullRowTile(a, 'Wgate', 'gateBias');
    fullRowTile(a, 'Wup', 'upBias');
    const [r0, r1] = tileRows(a);
    const out = a.tensor('out');
    a.write(out, a.flat(out, r0, r1));
  },
  geometry(g) {
    const nk = fusedNormLinear(g, 'Wup');
    if (!nk) return;
    const [I] = nk;
    const gated = g.flag(FLAG_GATED);
    if (gated && !g.has('Wgate'))
      g.mismatch('Wgate', 'none', 'required-tensor-missing', true, 'gated needs Wgate');
    // A safety rule: the GPU loader streams Wgate whenever it is present, the CPU VM reads it only when gated.
    if (!gated && g.has('Wgate'))
      g.mismatch('Wgate', 'present', 'flag-operand-mismatch', true, 'Wgate without gated');
    if (!gated && g.has('gateBias'))
      g.mismatch('gateBias', 'present', 'flag-operand-mismatch', false, 'gateBias without gated');
    if (gated && g.rank('Wgate', 2)) {
      g.dimEq('Wgate', 0, I, 'I');
      g.dimEq('Wgate', 1, nk[1], 'hidden');
    }
    g.vector('upBias', I, 'I');
    g.vector('gateBias', I, 'I');
    g.vector('out', I, 'I');
  },
});
