/**
 * The direct forward pass's decode session: `ForwardDecoder` decodes token by token with a KV cache.
 * Each step embeds one token, appends its K and V to the cache of every layer, attends over the cache
 * through LSE partials, and returns that position's logits. Equal to `forward` at every position up
 * to rounding. It implements the runtime's `DecodeSession` (the 'reference' backend).
 */
import { layerWindow } from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import { DecoderClosedError } from '../closed-error.js';
import { alibiSlopes } from '../maths/alibi.js';
import { decodeAttention, type KvLayout } from '../maths/attention.js';
import { matvec } from '../maths/matvec.js';
import { applyRope, ropeAnglesAt } from '../maths/rope.js';
import { addBlockOutputs, blockInput, lmHead, normHeads } from './block-ops.js';
import { type DecoderWeights, loadDecoderWeights } from './decoder-weights.js';
import { checkPositions, embedToken } from './forward.js';

export interface ForwardDecoderOptions {
  /** Cache capacity in tokens (default: the model's maxPositionEmbeddings, at most 4096). */
  readonly maxSeqLen?: number;
  /** Split each attention into this many LSE partials (default 1); exercises the reduction. */
  readonly attentionChunks?: number;
}

export class ForwardDecoder {
  readonly maxSeqLen: number;
  private held: DecoderWeights | undefined;
  private readonly chunks: number;
  /** Per layer: K rows [maxSeq, Hkv, d] and V rows likewise (empty once closed). */
  private kCache: Float32Array[];
  private vCache: Float32Array[];
  /** The prompt length the current sequence was reset for (LongRoPE's factors depend on it). */
  private promptLength = 0;
  private readonly slopes: Float32Array | undefined;
  private length = 0;

  constructor(checkpoint: Checkpoint | DecoderWeights, opts: ForwardDecoderOptions = {}) {
    this.held = 'layers' in checkpoint ? checkpoint : loadDecoderWeights(checkpoint);
    const c = this.held.config;
    this.maxSeqLen = opts.maxSeqLen ?? Math.min(c.maxPositionEmbeddings, 4096);
    this.chunks = opts.attentionChunks ?? 1;
    const kvd = c.numKvHeads * c.headDim;
    this.kCache = Array.from({ length: c.numLayers }, () => new Float32Array(this.maxSeqLen * kvd));
    this.vCache = Array.from({ length: c.numLayers }, () => new Float32Array(this.maxSeqLen * kvd));
    this.slopes = c.position === 'alibi' ? alibiSlopes(c.numHeads) : undefined;
  }

  /** The f32 weights it decodes with; DecoderClosedError once closed. */
  get weights(): DecoderWeights {
    if (this.held === undefined) throw new DecoderClosedError('the forward decoder is closed');
    return this.held;
  }

  /** Tokens consumed so far (the position the next token takes). */
  get position(): number {
    return this.length;
  }

  /**
   * Forgets every token (position 0); the cache is overwritten as positions are fed again. `promptLength`:
   * the next sequence's prompt length, when known (LongRoPE rotates by it, as transformers does).
   */
  reset(promptLength = 0): void {
    if (this.held === undefined) throw new DecoderClosedError('reset() on a closed forward decoder');
    this.length = 0;
    this.promptLength = promptLength;
  }

  /** Releases the KV cache and the weights it holds. Idempotent; step() and reset() then throw. */
  close(): void {
    this.held = undefined;
    this.kCache = [];
    this.vCache = [];
    this.length = 0;
  }

  /** Feeds one token at the next position and returns its logits [vocab]. */
  step(token: number): Float32Array {
    const weights = this.weights;
    const c = weights.config;
    const pos = this.length;
    if (pos >= this.maxSeqLen) throw new RangeError(`KV cache full: ${this.maxSeqLen} positions`);
    checkPositions(c, pos + 1);
    const H = c.hiddenSize;
    const d = c.headDim;
    const qd = c.numHeads * d;
    const kvd = c.numKvHeads * d;
    const x = embedToken(weights, token, pos);
    const angles = c.position === 'rope' ? ropeAnglesAt(c, pos, this.promptLength) : null;

    weights.layers.forEach((w, l) => {
      const h = blockInput(c, x, w.attnNorm, w.attnNormBias);
      const q = matvec(w.q, h, qd, H, w.qBias ?? undefined);
      const k = matvec(w.k, h, kvd, H, w.kBias ?? undefined);
      normHeads(c, q, w.qNorm);
      normHeads(c, k, w.kNorm);
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
        softcap: c.attnLogitSoftcap,
        window: layerWindow(c, l),
        chunks: this.chunks,
        ...(this.slopes ? { alibiSlopes: this.slopes } : {}),
      });
      addBlockOutputs(c, w, x, attn);
    });
    this.length = pos + 1;
    return lmHead(weights, x);
  }
}
