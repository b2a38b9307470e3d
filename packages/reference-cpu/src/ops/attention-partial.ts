/**
 * ATTENTION_PARTIAL (CUDA twin: `cuda-hopper/csrc/ops/attention_partial.cuh`): one KV head's query
 * group over one chunk of the cache, with its natural-log LSE (or, direct, the whole range and no LSE).
 * FUSED_NORM_QKV_ROPE reads the cache geometry through `kvGeometry` too.
 */
import { FLAG_ATTN_DIRECT } from '@megakernel/isa';
import {
  attentionChunkRange,
  attentionPartialHead,
  type KvLayout,
  kvCacheLayout,
} from '../maths/attention.js';
import type { ExecContext, FloatOperandView } from '../vm/context.js';

export interface KvGeometry {
  readonly maxSeq: number;
  readonly heads: number;
  readonly headDim: number;
}

/** kv [2, maxSeq, Hkv, d]; pos must have a row. */
export function kvGeometry(ctx: ExecContext, kv: FloatOperandView): KvGeometry {
  const g = { maxSeq: ctx.dim(kv, 1, 4), heads: ctx.dim(kv, 2, 4), headDim: ctx.dim(kv, 3, 4) };
  if (ctx.dim(kv, 0, 4) !== 2) ctx.fail(`kv [${kv.shape.join(', ')}] must have 2 planes (K, V)`);
  if (ctx.pos >= g.maxSeq) ctx.fail(`pos ${ctx.pos} is beyond the KV cache's ${g.maxSeq} positions`);
  return g;
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
  const softcap = ctx.arg('softcap');
  ctx.check(q, kvHead * g * d, g * d, 'read');
  // K then V rows of this KV head only, for the chunk's keys.
  for (const base of [0, maxSeq]) {
    for (let r = start; r < end; r++) ctx.check(kv, ((base + r) * Hkv + kvHead) * d, d, 'read');
  }
  for (let h = kvHead * g; h < (kvHead + 1) * g; h++) {
    const outOffset = (chunk * Hq + h) * d;
    ctx.check(out, outOffset, d, 'write');
    const l = attentionPartialHead(
      { q: q.data, qOffset: h * d, kvHead, scale, softcap },
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
