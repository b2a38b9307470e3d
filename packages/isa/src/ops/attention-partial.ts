/** ATTENTION_PARTIAL: one KV head's query group over one chunk of the visible keys. */
import { attentionChunkRows } from '../access-view.js';
import { FLAG_ATTN_DIRECT } from '../flags.js';
import { arg, defineOp, F32, FLOAT, float, tensor } from '../op-descriptor.js';

export const ATTENTION_PARTIAL = defineOp({
  name: 'ATTENTION_PARTIAL',
  value: 0x70,
  category: 'attention',
  status: 'executable',
  summary:
    'for the g = Hq/Hkv query heads of KV head kvHead: visible keys are [lo, pos] with lo = max(0, pos - window + 1) (0 without a window), n = pos - lo + 1; chunk c covers [lo + floor(c·n/chunks), lo + floor((c+1)·n/chunks)); with the logit z = scale·q·k (softcap · tanh(z / softcap) when softcap > 0), over it m = max z, s = sum exp(z - m), O = sum exp(z - m)·v / s, lse = m + ln(s) (natural log); an empty chunk writes O = 0, lse = -inf. Direct: chunks = 1 and O is the final output',
  tensors: [
    tensor('t0', 'q', 'read', F32, 'queries [Hq, d] f32'),
    tensor('t1', 'kv', 'read', FLOAT, 'KV cache [2, maxSeq, Hkv, d]'),
    tensor(
      't2',
      'out',
      'write',
      FLOAT,
      'direct: attention output [Hq, d]; else partial O [chunks, Hq, d] f32',
    ),
    tensor('t3', 'lse', 'write', F32, 'partial LSE [chunks, Hq] f32 (absent when direct)', true),
  ],
  args: [
    arg('a0', 'kvHead', 'KV head; its query heads are kvHead*g .. kvHead*g+g-1'),
    arg('a1', 'chunk', 'which chunk of the visible positions (< chunks)'),
    arg('a2', 'chunks', 'number of chunks the visible positions are split into (>= 1)'),
    arg(
      'a3',
      'window',
      'sliding window: keys with pos - window < k <= pos; 0 = full causal',
      'slidingWindow',
    ),
  ],
  floats: [
    float('f0', 'scale', 'softmax scale', 'attentionScale'),
    float(
      'f1',
      'softcap',
      'logit soft-cap: each scale·q·k becomes softcap · tanh(scale·q·k / softcap); 0 = none',
      'attnLogitSoftcap',
    ),
  ],
  flags: [
    { mask: FLAG_ATTN_DIRECT, name: 'direct', doc: 'chunks = 1: write the normalised output directly' },
  ],
  file: 'attention_partial',
  accesses(a) {
    const q = a.tensor('q');
    const kv = a.tensor('kv');
    const [hq = 0, d = 0] = q.shape;
    const hkv = kv.shape[2]!;
    const g = hq / hkv;
    const head = a.arg('kvHead');
    const chunk = a.arg('chunk');
    const chunks = a.arg('chunks');
    const heads: [number, number] = [head * g, head * g + g];
    if (chunks === 0 || chunk >= chunks) a.bounds(`attention chunk ${chunk} of ${chunks}`);
    a.read(q, a.box(q, [heads[0], 0], [heads[1], d]));
    const [r0, r1] =
      a.ctx.kvRows === 'current'
        ? // The rows this step writes, up to this token's (one row in decode).
          [a.ctx.pos, a.pos + 1]
        : attentionChunkRows(a.pos, a.arg('window'), chunk, chunks);
    a.read(kv, a.box(kv, [0, r0, head, 0], [2, r1, head + 1, kv.shape[3]!]));
    const o = a.tensor('out');
    if (a.flag(FLAG_ATTN_DIRECT)) a.write(o, a.box({ ...o, shape: [hq, d] }, [heads[0], 0], [heads[1], d]));
    else {
      a.write(o, a.box(o, [chunk, heads[0], 0], [chunk + 1, heads[1], d]));
      const lse = a.tensor('lse');
      a.write(lse, a.box(lse, [chunk, heads[0]], [chunk + 1, heads[1]]));
    }
  },
  geometry(g) {
    const h = g.heads('q', 'kv');
    if (!h) return;
    const { Hq, d, Hkv } = h;
    if (Hkv === 0 || Hq % Hkv !== 0) {
      g.mismatch('kv', Hkv, 'shape-mismatch', true, `Hkv ${Hkv} must divide Hq ${Hq}`);
      return;
    }
    const kvHead = g.arg('kvHead');
    const chunk = g.arg('chunk');
    const chunks = g.arg('chunks');
    if (kvHead >= Hkv)
      g.mismatch('kvHead', kvHead, 'kv-head-out-of-range', true, `kvHead ${kvHead} >= Hkv ${Hkv}`);
    if (chunks === 0) g.mismatch('chunks', 0, 'arg-out-of-range', true, 'chunks must be >= 1');
    else if (chunk >= chunks)
      g.mismatch('chunk', chunk, 'chunk-out-of-range', true, `chunk ${chunk} >= chunks ${chunks}`);
    if (g.flag(FLAG_ATTN_DIRECT)) {
      if (chunks !== 1)
        g.mismatch('chunks', chunks, 'flag-operand-mismatch', false, 'direct needs chunks = 1');
      if (g.has('lse')) g.mismatch('lse', 'present', 'flag-operand-mismatch', false, 'direct writes no LSE');
      g.vector('out', Hq * d, 'Hq·d');
      return;
    }
    if (!g.has('lse')) {
      g.mismatch('lse', 'none', 'required-tensor-missing', true, 'a partial (not direct) writes the LSE');
    } else if (g.rank('lse', 2)) {
      g.dimEq('lse', 0, chunks, 'chunks');
      g.dimEq('lse', 1, Hq, 'Hq');
    }
    if (g.has('out') && g.tensors.get('out')!.dtype !== 'f32') {
      g.mismatch('out', g.tensors.get('out')!.dtype, 'dtype-mismatch', true, 'partial O is f32');
    }
    if (g.rank('out', 3)) {
      g.dimEq('out', 0, chunks, 'chunks');
      g.dimEq('out', 1, Hq, 'Hq');
      g.dimEq('out', 2, d, 'd');
    }
  },
});
