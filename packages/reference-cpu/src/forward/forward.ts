/**
 * The direct forward pass over a whole prompt (prefill): logits for every position, [T, vocab]
 * row-major. Written from the model definitions, not from the ISA, so that it can judge programs.
 */
import { layerWindow, type RuntimeModelConfig, rotaryDim } from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import { alibiSlopes } from '../maths/alibi.js';
import { causalAttention } from '../maths/causal-attention.js';
import { embeddingGather } from '../maths/embedding.js';
import { matvec } from '../maths/matvec.js';
import { applyRope, ropeAnglesAt } from '../maths/rope.js';
import { addBlockOutputs, blockInput, lmHead, normHeads } from './block-ops.js';
import { type DecoderWeights, loadDecoderWeights } from './decoder-weights.js';

export function forward(checkpoint: Checkpoint | DecoderWeights, inputIds: readonly number[]): Float32Array {
  const weights = 'layers' in checkpoint ? checkpoint : loadDecoderWeights(checkpoint);
  const c = weights.config;
  const T = inputIds.length;
  const H = c.hiddenSize;
  const d = c.headDim;
  const qd = c.numHeads * d;
  const kvd = c.numKvHeads * d;
  checkPositions(c, T);

  const xs = inputIds.map((token, pos) => embedToken(weights, token, pos));
  // The whole prompt is one call, as transformers' forward: T decides LongRoPE's factors.
  const angles = c.position === 'rope' ? inputIds.map((_, t) => ropeAnglesAt(c, t, T)) : null;
  const slopes = c.position === 'alibi' ? alibiSlopes(c.numHeads) : undefined;

  for (const [l, w] of weights.layers.entries()) {
    const q = new Float32Array(T * qd);
    const k = new Float32Array(T * kvd);
    const v = new Float32Array(T * kvd);
    for (let t = 0; t < T; t++) {
      const h = blockInput(c, xs[t]!, w.attnNorm, w.attnNormBias);
      const qt = matvec(w.q, h, qd, H, w.qBias ?? undefined);
      const kt = matvec(w.k, h, kvd, H, w.kBias ?? undefined);
      normHeads(c, qt, w.qNorm);
      normHeads(c, kt, w.kNorm);
      if (angles) {
        applyRope(qt, d, angles[t]!, c.ropeLayout);
        applyRope(kt, d, angles[t]!, c.ropeLayout);
      }
      q.set(qt, t * qd);
      k.set(kt, t * kvd);
      v.set(matvec(w.v, h, kvd, H, w.vBias ?? undefined), t * kvd);
    }
    const attn = causalAttention({
      q,
      k,
      v,
      seqLen: T,
      numHeads: c.numHeads,
      numKvHeads: c.numKvHeads,
      headDim: d,
      scale: c.attentionScale,
      softcap: c.attnLogitSoftcap,
      window: layerWindow(c, l),
      ...(slopes ? { alibiSlopes: slopes } : {}),
    });
    for (let t = 0; t < T; t++) {
      const x = xs[t]!;
      addBlockOutputs(c, w, x, attn.subarray(t * qd, (t + 1) * qd));
    }
  }

  const logits = new Float32Array(T * c.vocabSize);
  for (let t = 0; t < T; t++) logits.set(lmHead(weights, xs[t]!), t * c.vocabSize);
  return logits;
}

/** The residual stream's first value: scaled token embedding plus the learned position, if any. */
export function embedToken(weights: DecoderWeights, token: number, pos: number): Float32Array {
  return embeddingGather({
    table: weights.embed,
    hidden: weights.config.hiddenSize,
    token,
    scale: weights.config.embeddingScale,
    ...(weights.positions ? { positions: { table: weights.positions, pos } } : {}),
  });
}

export function checkPositions(c: RuntimeModelConfig, length: number): void {
  if (c.position === 'learned' && length > c.maxPositionEmbeddings) {
    throw new RangeError(
      `sequence of ${length} tokens exceeds the ${c.maxPositionEmbeddings} learned positions`,
    );
  }
  if (c.position === 'rope' && rotaryDim(c) % 2 !== 0) throw new RangeError('rotary dimension must be even');
}
