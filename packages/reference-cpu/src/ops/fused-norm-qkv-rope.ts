/**
 * FUSED_NORM_QKV_ROPE (CUDA twin: `cuda-hopper/csrc/ops/fused_norm_qkv_rope.cuh`): a row tile of
 * [Q; K; V] = W·norm(x) + bias with RoPE on Q and K, Q to q and K/V to the cache at pos.
 */
import { rowDot } from '../maths/matvec.js';
import type { ExecContext, FloatOperandView } from '../vm/context.js';
import { kvGeometry } from './attention-partial.js';
import { fusedNormalizedInput } from './norm.js';
import { ropeRow } from './rope-embed.js';

/**
 * Rows [rowStart, rowStart + rowCount) of y = W·norm(x) + bias over [Q; K; V], RoPE on Q and K rows
 * (interleaved pairs inside each head's first rot dims), then Q rows to q and K/V rows to the cache
 * at pos: row r of K goes to kv[(0·maxSeq + pos)·Hkv·d + (r − qRows)], V likewise in plane 1.
 */
export function executeFusedNormQkvRope(ctx: ExecContext): void {
  const rowStart = ctx.arg('rowStart');
  const rowCount = ctx.arg('rowCount');
  const n = fusedNormalizedInput(ctx);
  const W = ctx.float('W');
  const bias = ctx.float('bias', true);
  const q = ctx.float('q');
  const kv = ctx.float('kv');
  const rope = ctx.float('rope', true);
  const { maxSeq, heads: Hkv, headDim: d } = kvGeometry(ctx, kv);
  const qRows = q.elements;
  const kvRows = Hkv * d;
  const K = ctx.dim(W, 1, 2);
  if (K !== n.length) ctx.fail(`W has ${K} columns, x has ${n.length} elements`);
  if (ctx.dim(W, 0, 2) !== qRows + 2 * kvRows)
    ctx.fail(`W has ${W.shape[0]} rows, q + k + v need ${qRows + 2 * kvRows}`);
  ctx.check(W, rowStart * K, rowCount * K, 'read');
  if (bias) ctx.check(bias, rowStart, rowCount, 'read');

  const y = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) {
    const r = rowStart + i;
    y[i] = rowDot(W.data, K, r, n, 0, K) + (bias ? bias.data[r]! : 0);
  }
  // Tiles of V rows only rotate nothing and read no RoPE row.
  if (rope && rowStart < qRows + kvRows) {
    const { half, base } = ropeRow(ctx, rope);
    if (2 * half > d) ctx.fail(`RoPE rotates ${2 * half} dims of ${d}-dim heads`);
    // Dim of row r inside its Q or K head, or -1 for V rows.
    const headDimOf = (r: number): number => (r < qRows ? r % d : r < qRows + kvRows ? (r - qRows) % d : -1);
    for (let i = 0; i < rowCount; i++) {
      const j = headDimOf(rowStart + i);
      if (j < 0 || j >= 2 * half) continue;
      // A rotary row needs its pair partner (2i, 2i+1) in the same tile: the GPU rotates in registers.
      const partner = j % 2 === 0 ? i + 1 : i - 1;
      if (partner < 0 || partner >= rowCount)
        ctx.fail(`RoPE pair of row ${rowStart + i} is split across tiles`);
      if (j % 2 === 1) continue;
      const c = rope.data[base + j]!;
      const s = rope.data[base + j + 1]!;
      const a = y[i]!;
      const b = y[i + 1]!;
      y[i] = a * c - b * s;
      y[i + 1] = a * s + b * c;
    }
  }
  for (let i = 0; i < rowCount; i++) {
    const r = rowStart + i;
    let target: FloatOperandView;
    let index: number;
    if (r < qRows) {
      target = q;
      index = r;
    } else if (r < qRows + kvRows) {
      target = kv;
      index = ctx.pos * kvRows + (r - qRows);
    } else {
      target = kv;
      index = (maxSeq + ctx.pos) * kvRows + (r - qRows - kvRows);
    }
    ctx.check(target, index, 1, 'write');
    target.data[index] = y[i]!;
    ctx.stored(target, index, 1);
  }
}
