/**
 * Token-by-token decoding with a KV cache: each step embeds one token, appends its K and V to the
 * cache of every layer, attends over the cache through LSE partials, and returns that position's
 * logits. Equal to `forward` at every position up to rounding.
 */
import type { Checkpoint } from '@megakernel/model';
import { alibiSlopes } from '../ops/alibi.js';
import { decodeAttention, type KvLayout } from '../ops/attention.js';
import { residualAdd } from '../ops/elementwise.js';
import { matvec } from '../ops/matvec.js';
import { applyRope, ropeAngles, ropeFrequencies } from '../ops/rope.js';
import { applyNorm, lmHead, mlp } from './block-ops.js';
import { type DecoderWeights, loadDecoderWeights } from './decoder-weights.js';
import { checkPositions, embedToken, type ForwardOptions } from './forward.js';

export interface DecodeSessionOptions extends ForwardOptions {
  /** Cache capacity in tokens (default: the model's maxPositionEmbeddings, at most 4096). */
  readonly maxSeqLen?: number;
  /** Split each attention into this many LSE partials (default 1); exercises the reduction. */
  readonly attentionChunks?: number;
}

export class DecodeSession {
  readonly weights: DecoderWeights;
  readonly maxSeqLen: number;
  private readonly chunks: number;
  /** Per layer: K rows [maxSeq, Hkv, d] and V rows likewise. */
  private readonly kCache: Float32Array[];
  private readonly vCache: Float32Array[];
  private readonly invFreq: Float32Array | null;
  private readonly slopes: Float32Array | undefined;
  private length = 0;

  constructor(checkpoint: Checkpoint | DecoderWeights, opts: DecodeSessionOptions = {}) {
    this.weights = 'layers' in checkpoint ? checkpoint : loadDecoderWeights(checkpoint);
    const c = this.weights.config;
    this.maxSeqLen = opts.maxSeqLen ?? Math.min(c.maxPositionEmbeddings, 4096);
    this.chunks = opts.attentionChunks ?? 1;
    const kvd = c.numKvHeads * c.headDim;
    this.kCache = Array.from({ length: c.numLayers }, () => new Float32Array(this.maxSeqLen * kvd));
    this.vCache = Array.from({ length: c.numLayers }, () => new Float32Array(this.maxSeqLen * kvd));
    this.invFreq = c.position === 'rope' ? ropeFrequencies(c, opts.ropeFrequencies) : null;
    this.slopes = c.position === 'alibi' ? alibiSlopes(c.numHeads) : undefined;
  }

  /** Tokens consumed so far (the position the next token takes). */
  get position(): number {
    return this.length;
  }

  /** Feeds one token at the next position and returns its logits [vocab]. */
  step(token: number): Float32Array {
    const c = this.weights.config;
    const pos = this.length;
    if (pos >= this.maxSeqLen) throw new RangeError(`KV cache full: ${this.maxSeqLen} positions`);
    checkPositions(c, pos + 1);
    const H = c.hiddenSize;
    const d = c.headDim;
    const qd = c.numHeads * d;
    const kvd = c.numKvHeads * d;
    const x = embedToken(this.weights, token, pos);
    const angles = this.invFreq ? ropeAngles(this.invFreq, pos) : null;

    this.weights.layers.forEach((w, l) => {
      const h = applyNorm(c, x, w.attnNorm, w.attnNormBias);
      const q = matvec(w.q, h, qd, H, w.qBias ?? undefined);
      const k = matvec(w.k, h, kvd, H, w.kBias ?? undefined);
      if (angles) {
        applyRope(q, d, angles, c.ropeLayout);
        applyRope(k, d, angles, c.ropeLayout);
      }
      this.kCache[l]!.set(k, pos * kvd);
      this.vCache[l]!.set(matvec(w.v, h, kvd, H, w.vBias ?? undefined), pos * kvd);
      const cache: KvLayout = {
        k: this.kCache[l]!,
        v: this.vCache[l]!,
        kBase: 0,
        vBase: 0,
        posStride: kvd,
        headStride: d,
        headDim: d,
      };
      const attn = decodeAttention({
        q,
        cache,
        numHeads: c.numHeads,
        numKvHeads: c.numKvHeads,
        pos,
        scale: c.attentionScale,
        window: c.slidingWindow,
        chunks: this.chunks,
        ...(this.slopes ? { alibiSlopes: this.slopes } : {}),
      });
      residualAdd(x, matvec(w.o, attn, H, qd, w.oBias ?? undefined));
      residualAdd(x, mlp(c, w, applyNorm(c, x, w.mlpNorm, w.mlpNormBias)));
    });
    this.length = pos + 1;
    return lmHead(this.weights, x);
  }
}
