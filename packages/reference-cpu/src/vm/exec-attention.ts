/** ATTENTION_PARTIAL, ATTENTION_REDUCE, ROPE_EMBED and FUSED_NORM_QKV_ROPE. */
import { FLAG_ATTN_DIRECT } from '@megakernel/isa';
import {
  attentionChunkRange,
  attentionPartialHead,
  attentionReduceHead,
  type KvLayout,
  kvCacheLayout,
} from '../ops/attention.js';
import { rowDot } from '../ops/matvec.js';
import type { ExecContext, FloatOperandView } from './context.js';
import { fusedNormalizedInput } from './exec-norm.js';

interface KvGeometry {
  readonly maxSeq: number;
  readonly heads: number;
  readonly headDim: number;
}

/** kv [2, maxSeq, Hkv, d]; pos must have a row. */
function kvGeometry(ctx: ExecContext, kv: FloatOperandView): KvGeometry {
  const g = { maxSeq: ctx.dim(kv, 1, 4), heads: ctx.dim(kv, 2, 4), headDim: ctx.dim(kv, 3, 4) };
  if (ctx.dim(kv, 0, 4) !== 2) ctx.fail(`kv [${kv.shape.join(', ')}] must have 2 planes (K, V)`);
  if (ctx.pos >= g.maxSeq) ctx.fail(`pos ${ctx.pos} is beyond the KV cache's ${g.maxSeq} positions`);
  return g;
}

/** The (cos, sin) pair i of the table rope [maxSeq, rot/2, 2] at pos; returns rot/2 and the row's first element. */
function ropeRow(ctx: ExecContext, rope: FloatOperandView): { half: number; base: number } {
  const half = ctx.dim(rope, 1, 3);
  if (ctx.dim(rope, 2, 3) !== 2) ctx.fail(`rope [${rope.shape.join(', ')}] must end in (cos, sin) pairs`);
  if (ctx.pos >= ctx.dim(rope, 0, 3))
    ctx.fail(`pos ${ctx.pos} is beyond the RoPE table's ${rope.shape[0]} rows`);
  const base = ctx.pos * half * 2;
  ctx.check(rope, base, half * 2, 'read');
  return { half, base };
}

export function executeAttentionPartial(ctx: ExecContext): void {
  const q = ctx.float('q');
  const kv = ctx.float('kv');
  const out = ctx.float('out');
  const direct = ctx.flag(FLAG_ATTN_DIRECT);
  const { maxSeq, heads: Hkv, headDim: d } = kvGeometry(ctx, kv);
  const Hq = q.elements / d;
  if (!Number.isInteger(Hq) || Hq % Hkv !== 0)
    ctx.fail(`q has ${q.elements} elements: not a multiple of Hkv·d = ${Hkv}·${d}`);
  const g = Hq / Hkv;
  const kvHead = ctx.arg('kvHead');
  if (kvHead >= Hkv) ctx.fail(`kvHead ${kvHead} ≥ Hkv ${Hkv}`);
  const chunks = direct ? 1 : ctx.arg('chunks');
  const chunk = direct ? 0 : ctx.arg('chunk');
  if (chunks < 1 || chunk >= chunks) ctx.fail(`chunk ${chunk} of ${chunks} chunks`);
  const lse = direct ? null : ctx.float('lse');
  const [start, end] = attentionChunkRange(ctx.pos, ctx.arg('window') || null, chunk, chunks);
  const cache: KvLayout = kvCacheLayout(kv.data, maxSeq, Hkv, d);
  const scale = ctx.arg('scale');
  ctx.check(q, kvHead * g * d, g * d, 'read');
  if (end > start) {
    ctx.check(kv, start * Hkv * d, (end - start) * Hkv * d, 'read');
    ctx.check(kv, (maxSeq + start) * Hkv * d, (end - start) * Hkv * d, 'read');
  }
  for (let h = kvHead * g; h < (kvHead + 1) * g; h++) {
    const outOffset = (chunk * Hq + h) * d;
    ctx.check(out, outOffset, d, 'write');
    const l = attentionPartialHead(
      { q: q.data, qOffset: h * d, kvHead, scale },
      cache,
      start,
      end,
      out.data,
      outOffset,
      !direct,
    );
    ctx.stored(out, outOffset, d);
    if (lse) {
      ctx.check(lse, chunk * Hq + h, 1, 'write');
      lse.data[chunk * Hq + h] = l;
    }
  }
}

export function executeAttentionReduce(ctx: ExecContext): void {
  const partialO = ctx.float('partialO');
  const lse = ctx.float('lse');
  const out = ctx.float('out');
  const chunks = ctx.dim(lse, 0, 2);
  const Hq = ctx.dim(lse, 1, 2);
  const d = partialO.elements / (chunks * Hq);
  if (!Number.isInteger(d))
    ctx.fail(`partialO has ${partialO.elements} elements: not chunks·Hq·d for lse [${chunks}, ${Hq}]`);
  const headStart = ctx.arg('headStart');
  const headCount = ctx.arg('headCount');
  const weights = new Float64Array(chunks);
  for (let h = headStart; h < headStart + headCount; h++) {
    for (let c = 0; c < chunks; c++) {
      ctx.check(lse, c * Hq + h, 1, 'read');
      ctx.check(partialO, (c * Hq + h) * d, d, 'read');
      weights[c] = lse.data[c * Hq + h]!;
    }
    ctx.check(out, h * d, d, 'write');
    attentionReduceHead(partialO.data, (c) => (c * Hq + h) * d, weights, d, out.data, h * d);
    ctx.stored(out, h * d, d);
  }
}

/** Rotates interleaved pairs (2i, 2i+1), i < half, of the head starting at `base` of `v` by the table row. */
function rotateHead(
  v: Float32Array | Float64Array,
  base: number,
  rope: Float32Array,
  ropeBase: number,
  half: number,
): void {
  for (let i = 0; i < half; i++) {
    const a = v[base + 2 * i]!;
    const b = v[base + 2 * i + 1]!;
    const c = rope[ropeBase + 2 * i]!;
    const s = rope[ropeBase + 2 * i + 1]!;
    v[base + 2 * i] = a * c - b * s;
    v[base + 2 * i + 1] = a * s + b * c;
  }
}

export function executeRopeEmbed(ctx: ExecContext): void {
  const x = ctx.float('x');
  const rope = ctx.float('rope');
  const d = ctx.dim(x, 1, 2);
  const { half, base } = ropeRow(ctx, rope);
  if (2 * half > d) ctx.fail(`RoPE rotates ${2 * half} dims of ${d}-dim heads`);
  const headStart = ctx.arg('headStart');
  const headCount = ctx.arg('headCount');
  ctx.check(x, headStart * d, headCount * d, 'read');
  ctx.check(x, headStart * d, headCount * d, 'write');
  for (let h = headStart; h < headStart + headCount; h++) rotateHead(x.data, h * d, rope.data, base, half);
  ctx.stored(x, headStart * d, headCount * d);
}

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
  if (rope) {
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
