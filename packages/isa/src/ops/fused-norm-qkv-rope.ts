/**
 * FUSED_NORM_QKV_ROPE: a row tile of [Q; K; V] = W·norm(x) + bias, RoPE on its Q and K rows, Q to
 * the query vector and K, V into the KV cache at pos.
 */
import { fusedNormLinear } from '../geometry.js';
import { defineOp, F32, FLOAT, param, residual, tensor } from '../op-descriptor.js';
import { EPS, fullRowTile, NORM_FLAGS, normInput, normParams, ROWS, tileRows } from './shared.js';

export const FUSED_NORM_QKV_ROPE = defineOp({
  name: 'FUSED_NORM_QKV_ROPE',
  value: 0xb5,
  category: 'fused',
  status: 'executable',
  summary:
    'y = W·norm(x) + bias for rows [rowStart, rowStart+rowCount) of [Q; K; V]; RoPE (as ROPE_EMBED) on Q and K rows at pos; Q rows to q, K and V rows to the KV cache at pos',
  tensors: [
    residual(tensor('t0', 'x', 'read', F32, 'hidden state [hidden] f32')),
    normParams('t1'),
    tensor(
      't2',
      'W',
      'stream',
      FLOAT,
      'fused QKV weight [(Hq + 2 Hkv) d, hidden], Q/K rows in interleaved-RoPE order',
    ),
    param('t3', 'bias', 'fused QKV bias [(Hq + 2 Hkv) d]', true),
    tensor('t4', 'q', 'write', F32, 'queries [Hq, d] f32'),
    tensor('t5', 'kv', 'write', FLOAT, 'KV cache [2, maxSeq, Hkv, d]'),
    tensor('t6', 'rope', 'read', F32, 'table [maxSeq, rot/2, 2] of (cos, sin); absent without RoPE', true),
  ],
  args: ROWS,
  floats: [EPS],
  flags: NORM_FLAGS,
  file: 'fused_norm_qkv_rope',
  accesses(a) {
    normInput(a);
    fullRowTile(a, 'W');
    const [r0, r1] = tileRows(a);
    const w = a.tensor('W');
    const q = a.tensor('q');
    const kv = a.tensor('kv');
    const qDim = q.shape.reduce((x, y) => x * y, 1);
    const kvDim = kv.shape[2]! * kv.shape[3]!;
    const seq = kv.shape[1]!;
    if (r1 > w.shape[0]! || w.shape[0] !== qDim + 2 * kvDim) {
      a.bounds(`QKV rows [${r0}, ${r1}) vs W [${w.shape.join(',')}], q ${qDim}, kv ${kvDim}`);
    }
    const part = (lo: number, hi: number): [number, number] => [Math.max(r0, lo) - lo, Math.min(r1, hi) - lo];
    const [q0, q1] = part(0, qDim);
    if (q1 > q0) a.write(q, a.flat(q, q0, q1));
    const [k0, k1] = part(qDim, qDim + kvDim);
    if (k1 > k0) a.write(kv, a.flat(kv, a.pos * kvDim + k0, a.pos * kvDim + k1));
    const [v0, v1] = part(qDim + kvDim, qDim + 2 * kvDim);
    if (v1 > v0) a.write(kv, a.flat(kv, (seq + a.pos) * kvDim + v0, (seq + a.pos) * kvDim + v1));
    const rope = a.opt('rope');
    if (rope && r0 < qDim + kvDim) a.read(rope, a.row(rope, a.pos));
  },
  geometry(g) {
    const h = g.heads('q', 'kv');
    const nk = fusedNormLinear(g, 'W');
    if (!h || !nk) return;
    const rows = (h.Hq + 2 * h.Hkv) * h.d;
    g.dimEq('W', 0, rows, '(Hq + 2 Hkv)·d');
    g.vector('bias', rows, '(Hq + 2 Hkv)·d');
    if (g.has('rope')) {
      g.ropeTable('rope', h.d);
      const start = g.arg('rowStart');
      const count = g.arg('rowCount');
      if (start % 2 !== 0 || count % 2 !== 0 || h.d % 2 !== 0) {
        g.mismatch('rowStart', start, 'odd-rope-tile', false, 'RoPE tiles start and end on even rows');
      }
    }
  },
});
