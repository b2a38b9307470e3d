// FUSED_NORM_LM_HEAD_ARGMAX: logits[r] = scale·(W[r]·norm(x) (+ bias[r])) for the tile, each tile folding
// its best (logit, row) key into the argmax key of pos with one 64-bit atomic max; with candidates, its
// 64 best keys for SAMPLE (candidate_keys.cuh), unless the sampling words are present and greedy: SAMPLE
// then keeps the argmax, so the tile skips the sort and leaves its candidates row as it was.
#pragma once
#include "../argmax_key.cuh"
#include "../candidate_keys.cuh"
#include "../sampling_words.cuh"
#include "../stream_matvec.cuh"
#include "../vector.cuh"

namespace mk {

__device__ __noinline__ bool op_fused_norm_lm_head_argmax(Consumer& c, const Plan& p) {
  const FusedNormLmHeadArgmaxOps op(p);
  const TRef &x = op.x(), &params = op.norm_params(), &bias = op.bias(), &logits = op.logits(), &am = op.argmax(),
             &cand = op.candidates(), &sampling = op.sampling();
  const uint32_t r0 = op.row_start(), suppress = op.suppress_token(), pos = p.pos;
  const uint32_t V = op.w().shape[0];
  const float scale = op.scale();
  // Logits are [V] (overwritten each step) or [maxSeq, V] (a row per position).
  const uint64_t lbase = (logits.rank == 2 && logits.shape[0] > 1) ? uint64_t(pos) * logits.shape[1] : 0;
  if (!present(logits) || !present(am) || logits.n < lbase + V || am.n < 2ull * (pos + 1) ||
      (reinterpret_cast<uintptr_t>(am.ptr) & 7u) || (present(bias) && bias.n < V) ||
      (present(cand) && ((reinterpret_cast<uintptr_t>(cand.ptr) & 7u) ||
                         cand.n < 2ull * kCandidates * (uint64_t(op.candidate_list()) + 1))) ||
      (present(sampling) && sampling.n < kSamplingWords)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotLogits);
    return false;
  }
  zero_acc(c, p);
  if (!wait_and_stage(c, p, x, 0, p.kc, norm_spec(op, op.layer_norm(), true), params)) return false;
  const float* acc = c.s.acc[0];
  unsigned long long best = 0;
  if (!run_matvec(c, p, [&](uint32_t r, uint32_t i) {
        const uint32_t row = r0 + r;
        const float v = (acc[i] + (present(bias) ? load_f(bias, row) : 0.f)) * scale;
        store_f(logits, lbase + row, v);
        if (row != suppress && !isnan(v)) {  // NaN never wins
          const unsigned long long k = argmax_key(v, row);
          best = k > best ? k : best;
        }
      }))
    return false;
  fold_argmax(c, best, reinterpret_cast<unsigned long long*>(am.ptr) + pos);
  if (!present(cand)) return true;
  if (present(sampling)) {
    // The host wrote the words before the launch and nothing writes them in it: no wait orders them.
    // One thread reads them and a consumer barrier hands its verdict to all (the sort is block-wide,
    // so they must agree). count is free: every thread is past fold_argmax's barrier, and SAMPLE, its
    // only other user, writes it only after a barrier of its own.
    if (c.tid == 0)
      c.s.count = greedy_sampling(read_sampling_words(reinterpret_cast<const uint32_t*>(sampling.ptr))) ? 1u : 0u;
    c.sync();
    if (c.s.count != 0) return true;  // greedy: SAMPLE keeps the argmax, the candidates are left as they were
  }
  keep_largest_keys(c, logits, lbase, r0, op.row_count(), suppress,
                    reinterpret_cast<unsigned long long*>(cand.ptr) + uint64_t(op.candidate_list()) * kCandidates);
  return true;
}

}  // namespace mk
