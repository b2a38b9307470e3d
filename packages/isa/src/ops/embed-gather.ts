/** EMBED_GATHER: the step's token embedding (and learned position) into the hidden state. */
import { FLAG_EMBED_FROM_ARGMAX } from '../flags.js';
import { defineOp, F32, float, param, residual, tensor } from '../op-descriptor.js';
import { ARGMAX_KEYS } from './shared.js';

export const EMBED_GATHER = defineOp({
  name: 'EMBED_GATHER',
  value: 0x17,
  category: 'memory',
  status: 'executable',
  summary:
    'token = tokens[pos] (with embedFromArgmax, a negative entry becomes argmax(pos-1) and is written back); out = scale * table[token] (+ positions[pos]); a token outside [0, vocab) is a run-time fault',
  tensors: [
    tensor('t0', 'tokens', 'update', ['i32'], 'token ids [maxSeq] i32'),
    param('t1', 'table', 'embedding table [vocab, hidden]'),
    param('t2', 'positions', 'learned position table [maxPos >= maxSeq, hidden]', true),
    residual(tensor('t3', 'out', 'write', F32, 'hidden state [hidden] f32')),
    tensor('t4', 'argmax', 'read', ['u32'], ARGMAX_KEYS, true),
  ],
  args: [],
  floats: [float('f0', 'scale', 'embedding scale', 'embeddingScale')],
  flags: [
    {
      mask: FLAG_EMBED_FROM_ARGMAX,
      name: 'embedFromArgmax',
      doc: 'greedy continuation from the argmax keys',
    },
  ],
  file: 'embed_gather',
  accesses(a) {
    const fromArgmax = a.flag(FLAG_EMBED_FROM_ARGMAX);
    const tokens = a.tensor('tokens');
    const at = a.flat(tokens, a.pos, a.pos + 1);
    a.read(tokens, at);
    // A negative entry (no prompt token) is replaced by the previous argmax and written back.
    if (fromArgmax) a.mayWrite(tokens, at);
    // The gathered row depends on the token; weights are never written, so any one row stands for it.
    const table = a.tensor('table');
    a.readDataDependent(table, a.row(table, 0));
    const positions = a.opt('positions');
    if (positions) a.read(positions, a.row(positions, a.pos));
    const out = a.tensor('out');
    a.write(out, a.whole(out));
    const argmax = a.opt('argmax');
    if (argmax && fromArgmax && a.pos >= 1) a.mayRead(argmax, a.row(argmax, a.pos - 1));
  },
  geometry(g) {
    if (g.rank('tokens', 1)) g.seqRows('tokens', 0);
    if (!g.rank('table', 2)) return;
    const hidden = g.shape('table')[1]!;
    g.vector('out', hidden, 'hidden');
    if (g.has('positions') && g.rank('positions', 2)) {
      g.dimEq('positions', 1, hidden, 'hidden');
      g.seqRows('positions', 0);
    }
    const fromArgmax = g.flag(FLAG_EMBED_FROM_ARGMAX);
    if (fromArgmax && !g.has('argmax')) {
      g.mismatch('argmax', 'none', 'required-tensor-missing', true, 'embedFromArgmax reads the argmax keys');
    }
    if (!fromArgmax && g.has('argmax')) {
      g.mismatch('argmax', 'present', 'flag-operand-mismatch', false, 'argmax given without embedFromArgmax');
    }
    if (g.has('argmax')) g.argmaxKeys('argmax');
  },
});
