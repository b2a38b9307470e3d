/**
 * FUSED_NORM_LM_HEAD_ARGMAX (CUDA twin: `cuda-hopper/csrc/ops/fused_norm_lm_head_argmax.cuh`): a row
 * tile of logits = scale · (W·norm(x) + bias), folded into the argmax key of `pos` as ARGMAX does, and
 * (with candidates) the tile's 64 largest keys written for SAMPLE, unless the sampling words (when
 * present) are greedy: SAMPLE then keeps the argmax and the row is left as it was.
 */
import {
  CANDIDATES_PER_LIST,
  decodeSamplingParams,
  greedySamplingWords,
  SAMPLING_WORDS,
} from '@megakernel/isa';
import { largestKeys } from '../maths/candidate-keys.js';
import { rowDot } from '../maths/matvec.js';
import type { ExecContext } from '../vm/context.js';
import { foldArgmax } from './argmax.js';
import { fusedNormalizedInput } from './norm.js';

/** The logits are stored (rounded to their dtype) first; the fold reads the stored values. */
export function executeFusedNormLmHeadArgmax(ctx: ExecContext): void {
  const rowStart = ctx.arg('rowStart');
  const rowCount = ctx.arg('rowCount');
  const n = fusedNormalizedInput(ctx);
  const W = ctx.float('W');
  const bias = ctx.float('bias', true);
  const logits = ctx.float('logits');
  const K = ctx.dim(W, 1, 2);
  if (K !== n.length) ctx.fail(`W has ${K} columns, x has ${n.length} elements`);
  ctx.check(W, rowStart * K, rowCount * K, 'read');
  if (bias) ctx.check(bias, rowStart, rowCount, 'read');
  ctx.check(logits, rowStart, rowCount, 'write');
  const scale = ctx.arg('scale');
  for (let r = rowStart; r < rowStart + rowCount; r++) {
    logits.data[r] = scale * (rowDot(W.data, K, r, n, 0, K) + (bias ? bias.data[r]! : 0));
  }
  ctx.stored(logits, rowStart, rowCount);
  foldArgmax(ctx, logits, rowStart, rowCount);
  const sampling = ctx.tensor('sampling', true);
  let greedy = false;
  if (sampling) {
    if (!(sampling.data instanceof Uint32Array)) ctx.fail(`sampling is ${sampling.dtype}; u32 is needed`);
    ctx.check(sampling, 0, SAMPLING_WORDS, 'read');
    greedy = greedySamplingWords(decodeSamplingParams(sampling.data));
  }
  const candidates = ctx.tensor('candidates', true);
  if (candidates && !greedy) {
    if (!(candidates.data instanceof Uint32Array))
      ctx.fail(`candidates is ${candidates.dtype}; u32 is needed`);
    const row = 2 * CANDIDATES_PER_LIST;
    const at = ctx.arg('candidateList') * row;
    ctx.check(candidates, at, row, 'write');
    const kept = largestKeys(logits.data, rowStart, rowCount, ctx.arg('suppressToken'), CANDIDATES_PER_LIST);
    candidates.data.fill(0, at, at + row);
    kept.forEach((k, i) => {
      candidates.data[at + 2 * i] = k.low;
      candidates.data[at + 2 * i + 1] = k.high;
    });
  }
}
