// HEAD_RMS_NORM: RMSNorm of each head in [headStart, +headCount) of x [H, d], in place, with one
// gamma [1, d] for every head (Qwen3's and Gemma 3's query and key norms). One warp per head.
// `joint`: one RMSNorm over the whole range with gamma [1, headCount * d] (OLMo-2's q and k norms),
// the consumers' sum of squares reduced across warps.
#pragma once
#include "../sync.cuh"

namespace mk {

__device__ __noinline__ bool op_head_rms_norm(Consumer& c, const Plan& p) {
  const HeadRmsNormOps op(p);
  const TRef &x = op.x(), &gamma = op.gamma();
  if (!present(x) || !present(gamma) || x.rank != 2) {
    c.fail(p, STATUS_BAD_TENSOR, op.kSlotX);
    return false;
  }
  const uint32_t H = x.shape[0], d = x.shape[1];
  const uint32_t h0 = op.head_start(), hc = op.head_count();
  const bool joint = op.joint();
  if (h0 > H || hc > H - h0 || gamma.n != (joint ? uint64_t(hc) * d : d)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotGamma);
    return false;
  }
  const float eps = op.eps();
  if (!c.wait_deps(p)) return false;
  if (joint) {
    const uint64_t base = uint64_t(h0) * d, n = uint64_t(hc) * d;
    float ss = 0.f;
    for (uint64_t j = c.tid; j < n; j += Cfg::kConsumerThreads) {
      const float v = load_f(x, base + j);
      ss += v * v;
    }
    // consumer_sum's barriers order every read of the range before any store; each thread then
    // rewrites only the elements it read.
    const float inv = rsqrtf(consumer_sum(c, ss) / float(n) + eps);
    for (uint64_t j = c.tid; j < n; j += Cfg::kConsumerThreads)
      store_f(x, base + j, (load_f(x, base + j) * inv) * load_f(gamma, j));
    return true;
  }
  for (uint32_t h = h0 + c.warp; h < h0 + hc; h += Cfg::kConsumerWarps) {
    const uint64_t base = uint64_t(h) * d;
    float ss = 0.f;
    for (uint32_t j = c.lane; j < d; j += 32) {
      const float v = load_f(x, base + j);
      ss += v * v;
    }
    const float inv = rsqrtf(warp_sum(ss) / float(d) + eps);
    // Every lane has read its elements of the head before any lane stores (warp_sum synchronises).
    for (uint32_t j = c.lane; j < d; j += 32) store_f(x, base + j, (load_f(x, base + j) * inv) * load_f(gamma, j));
  }
  return true;
}

}  // namespace mk
