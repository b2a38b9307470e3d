/**
 * Attention at one query position over a KV cache, split into chunks that each return a
 * partial output and its natural-log LSE, and the exact reduction of those partials.
 *
 * Visible keys of a query at `pos`: lo ≤ k ≤ pos with lo = max(0, pos − window + 1) for a sliding
 * window (Mistral: pos − window < k ≤ pos), lo = 0 for full causal attention. Chunk c of n covers
 * keys [lo + ⌊c·L/n⌋, lo + ⌊(c+1)·L/n⌋) with L = pos − lo + 1, so chunks differ by at most one key
 * and only n > L leaves a chunk empty (its LSE is −∞ and its output 0).
 */

/** Where K and V rows live: element index of (key position p, kv head h, dim 0) is base + p·posStride + h·headStride. */
export interface KvLayout {
  readonly k: Float32Array;
  readonly v: Float32Array;
  readonly kBase: number;
  readonly vBase: number;
  readonly posStride: number;
  readonly headStride: number;
  readonly headDim: number;
}

/** Layout of the ISA's per-layer cache tensor [2, maxSeq, Hkv, d]. */
export function kvCacheLayout(
  kv: Float32Array,
  maxSeq: number,
  numKvHeads: number,
  headDim: number,
): KvLayout {
  const posStride = numKvHeads * headDim;
  return { k: kv, v: kv, kBase: 0, vBase: maxSeq * posStride, posStride, headStride: headDim, headDim };
}

/** First visible key of a query at `pos`; window 0 (or null) means full causal attention. */
export function firstVisibleKey(pos: number, window: number | null): number {
  return window ? Math.max(0, pos - window + 1) : 0;
}

/** Keys [start, end) of chunk `chunk` of `chunks` for a query at `pos`. */
export function attentionChunkRange(
  pos: number,
  window: number | null,
  chunk: number,
  chunks: number,
): [number, number] {
  const lo = firstVisibleKey(pos, window);
  const len = pos - lo + 1;
  return [lo + Math.floor((chunk * len) / chunks), lo + Math.floor(((chunk + 1) * len) / chunks)];
}

export interface AttentionHeadQuery {
  readonly q: Float32Array;
  /** Element index of the query head's first dim in q. */
  readonly qOffset: number;
  readonly kvHead: number;
  readonly scale: number;
  /** Logit soft-cap (Gemma 2): each scale·q·k becomes cap · tanh(scale·q·k / cap); absent or 0 for none. */
  readonly softcap?: number;
  /** ALiBi: adds −slope · (queryPos − k) to each logit (for study; no supported family uses it). */
  readonly alibi?: { readonly slope: number; readonly queryPos: number };
}

/**
 * softmax(scale · q·k) · v over keys [start, end) for one query head. Writes the (normalised) partial
 * output at out[outOffset ..] and returns its LSE = max + ln Σ exp(logit − max); −∞ when empty.
 *
 * `split`: the range is one chunk of several (its output goes to attentionReduceHead). A chunk whose
 * logits are all −∞ then returns LSE −∞ and O = Σ 0 · v (0, or NaN where a v is NaN or ±Inf): the
 * weight 0 those keys get in the full softmax, so that the reduction equals the one-pass result. Unsplit,
 * such a head is NaN (exp(−∞ − −∞)), as in the textbook softmax of the forward pass.
 */
export function attentionPartialHead(
  query: AttentionHeadQuery,
  cache: KvLayout,
  start: number,
  end: number,
  out: Float32Array,
  outOffset: number,
  split = false,
): number {
  const d = cache.headDim;
  const n = end - start;
  if (n <= 0) {
    out.fill(0, outOffset, outOffset + d);
    return Number.NEGATIVE_INFINITY;
  }
  const logits = new Float64Array(n);
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    const p = start + j;
    const kOff = cache.kBase + p * cache.posStride + query.kvHead * cache.headStride;
    let dot = 0;
    for (let i = 0; i < d; i++) dot += query.q[query.qOffset + i]! * cache.k[kOff + i]!;
    let l = dot * query.scale;
    if (query.softcap) l = query.softcap * Math.tanh(l / query.softcap);
    if (query.alibi) l -= query.alibi.slope * (query.alibi.queryPos - p);
    logits[j] = l;
    // Math.max, unlike `>`, lets a NaN logit through (the whole head is then NaN, as in one pass).
    max = Math.max(max, l);
  }
  const acc = new Float64Array(d);
  let sum = 0;
  if (split && max === Number.NEGATIVE_INFINITY) {
    for (let j = 0; j < n; j++) {
      const vOff = cache.vBase + (start + j) * cache.posStride + query.kvHead * cache.headStride;
      for (let i = 0; i < d; i++) acc[i]! += 0 * cache.v[vOff + i]!;
    }
    for (let i = 0; i < d; i++) out[outOffset + i] = acc[i]!;
    return Number.NEGATIVE_INFINITY;
  }
  for (let j = 0; j < n; j++) {
    const w = Math.exp(logits[j]! - max);
    sum += w;
    const vOff = cache.vBase + (start + j) * cache.posStride + query.kvHead * cache.headStride;
    for (let i = 0; i < d; i++) acc[i]! += w * cache.v[vOff + i]!;
  }
  for (let i = 0; i < d; i++) out[outOffset + i] = acc[i]! / sum;
  return max + Math.log(sum);
}

/**
 * Merges chunk partials of one head: out = Σ_c e^(lse_c − M) O_c / Σ_c e^(lse_c − M), M = max_c lse_c.
 * partial(c) gives the element index of chunk c's output in `partials`.
 *
 * Exactly that formula, with no guard: NaN and ±Inf propagate as in the textbook softmax of the direct
 * forward pass (causalAttention). A NaN or +Inf lse (a NaN or +Inf logit in its chunk) makes M or a
 * weight NaN and so the head NaN; a NaN or Inf in a partial output reaches the result even when its
 * weight is 0 (0 · NaN and 0 · Inf are NaN, as there); and all lse −∞ gives 0/0 = NaN, as a query whose
 * every logit is −∞ does in one pass.
 */
export function attentionReduceHead(
  partials: Float32Array,
  partialOffset: (chunk: number) => number,
  lse: ArrayLike<number>,
  headDim: number,
  out: Float32Array,
  outOffset: number,
): void {
  let max = Number.NEGATIVE_INFINITY;
  // Math.max, unlike `>`, lets a NaN through.
  for (let c = 0; c < lse.length; c++) max = Math.max(max, lse[c]!);
  const acc = new Float64Array(headDim);
  let sum = 0;
  for (let c = 0; c < lse.length; c++) {
    const w = Math.exp(lse[c]! - max);
    sum += w;
    const off = partialOffset(c);
    for (let i = 0; i < headDim; i++) acc[i]! += w * partials[off + i]!;
  }
  for (let i = 0; i < headDim; i++) out[outOffset + i] = acc[i]! / sum;
}

export interface DecodeAttentionArgs {
  /** Queries [Hq, d] of the token at `pos`. */
  readonly q: Float32Array;
  readonly cache: KvLayout;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly pos: number;
  readonly scale: number;
  /** Logit soft-cap (Gemma 2); null or absent for none. */
  readonly softcap?: number | null;
  readonly window: number | null;
  /** How many chunks to split the visible keys into (1 = one pass). */
  readonly chunks?: number;
  readonly alibiSlopes?: Float32Array;
}

/** One decode step of attention for every head (GQA: query head h reads kv head ⌊h / g⌋), through partials and their reduction. */
export function decodeAttention(a: DecodeAttentionArgs): Float32Array {
  const d = a.cache.headDim;
  const g = a.numHeads / a.numKvHeads;
  const chunks = a.chunks ?? 1;
  const out: Float32Array = new Float32Array(a.numHeads * d);
  const partials = new Float32Array(chunks * d);
  const lse = new Float64Array(chunks);
  for (let h = 0; h < a.numHeads; h++) {
    const query: AttentionHeadQuery = {
      q: a.q,
      qOffset: h * d,
      kvHead: Math.floor(h / g),
      scale: a.scale,
      ...(a.softcap ? { softcap: a.softcap } : {}),
      ...(a.alibiSlopes ? { alibi: { slope: a.alibiSlopes[h]!, queryPos: a.pos } } : {}),
    };
    if (chunks === 1) {
      attentionPartialHead(query, a.cache, ...attentionChunkRange(a.pos, a.window, 0, 1), out, h * d);
      continue;
    }
    for (let c = 0; c < chunks; c++) {
      const [s, e] = attentionChunkRange(a.pos, a.window, c, chunks);
      lse[c] = attentionPartialHead(query, a.cache, s, e, partials, c * d, true);
    }
    attentionReduceHead(partials, (c) => c * d, lse, d, out, h * d);
  }
  return out;
}
