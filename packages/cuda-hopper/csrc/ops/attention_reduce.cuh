// ATTENTION_REDUCE: out[h] = sum_c exp(lse[c,h] - M) O[c,h] / sum_c exp(lse[c,h] - M) for the
// tile's heads, M = max_c lse[c,h]; chunks whose LSE is -inf (empty) weigh nothing. Latency-bound
// (it sits between attention and the O projection), so all loads go out in one round: the LSEs and
// every partial output (16-byte loads) into shared memory, then weights, then the weighted sums.
#pragma once
#include "../sync.cuh"

namespace mk {

__device__ __noinline__ bool op_attention_reduce(Consumer& c, const Plan& p) {
  const TRef &po = p.t[0], &lse = p.t[1], &out = p.t[2];
  if (!present(po) || !present(lse) || !present(out) || lse.rank != 2) {
    c.fail(p, STATUS_BAD_TENSOR, 1);
    return false;
  }
  const uint32_t chunks = lse.shape[0], Hq = lse.shape[1];
  const uint32_t d = (chunks && Hq) ? uint32_t(po.n / (uint64_t(chunks) * Hq)) : 0;
  const uint32_t h0 = p.inst.a0, hc = p.inst.a1;
  if (d == 0 || h0 > Hq || hc > Hq - h0 || out.n < uint64_t(Hq) * d || uint64_t(chunks) * hc > Cfg::kMaxVector / 2) {
    c.fail(p, STATUS_BAD_EXTENT, 2);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  float* w = c.s.xs;  // [chunks][hc] weights
  const uint32_t d4 = d / 4;
  // Fast path: the partial outputs go to shared memory in the same round trip as the LSEs.
  float* ob = c.s.xs + ((chunks * hc + 3) & ~3u);  // [chunks][hc][d], 16-byte aligned
  const bool fast = d % 4 == 0 && po.dtype == DTYPE_F32 && aligned16(po.ptr) &&
                    ((chunks * hc + 3) & ~3u) + uint64_t(chunks) * hc * d <= Cfg::kMaxVector;
  if (fast) {
    const float4* src = reinterpret_cast<const float4*>(po.ptr);
    const uint32_t n = chunks * hc * d4;
#pragma unroll 4
    for (uint32_t i = c.tid; i < n; i += Cfg::kConsumerThreads) {
      const uint32_t ch = i / (hc * d4), rest = i % (hc * d4);
      reinterpret_cast<float4*>(ob)[i] = __ldcg(src + (uint64_t(ch) * Hq + h0) * d4 + rest);
    }
  }
  for (uint32_t i = c.tid; i < chunks * hc; i += Cfg::kConsumerThreads) {
    w[i] = load_f(lse, uint64_t(i / hc) * Hq + h0 + i % hc);
  }
  c.sync();
  for (uint32_t h = c.tid; h < hc; h += Cfg::kConsumerThreads) {
    float M = -INFINITY;
    for (uint32_t ch = 0; ch < chunks; ++ch) M = fmaxf(M, w[ch * hc + h]);
    float sum = 0.f;
    for (uint32_t ch = 0; ch < chunks; ++ch) {
      const float e = (M == -INFINITY || w[ch * hc + h] == -INFINITY) ? 0.f : __expf(w[ch * hc + h] - M);
      w[ch * hc + h] = e;
      sum += e;
    }
    const float inv = sum > 0.f ? 1.f / sum : 0.f;
    for (uint32_t ch = 0; ch < chunks; ++ch) w[ch * hc + h] *= inv;
  }
  c.sync();
  if (fast) {
    for (uint32_t i = c.tid; i < hc * d4; i += Cfg::kConsumerThreads) {
      const uint32_t h = i / d4;
      float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
      for (uint32_t ch = 0; ch < chunks; ++ch) {
        const float wt = w[ch * hc + h];
        const float4 v = reinterpret_cast<const float4*>(ob)[ch * hc * d4 + i];
        acc.x = fmaf(wt, v.x, acc.x);
        acc.y = fmaf(wt, v.y, acc.y);
        acc.z = fmaf(wt, v.z, acc.z);
        acc.w = fmaf(wt, v.w, acc.w);
      }
      const uint64_t o = uint64_t(h0) * d + uint64_t(i) * 4;
      store_f(out, o, acc.x);
      store_f(out, o + 1, acc.y);
      store_f(out, o + 2, acc.z);
      store_f(out, o + 3, acc.w);
    }
    return true;
  }
  const bool vec = d % 4 == 0 && po.dtype == DTYPE_F32 && aligned16(po.ptr);
  if (vec) {
    const float4* src = reinterpret_cast<const float4*>(po.ptr);
    for (uint32_t i = c.tid; i < hc * d4; i += Cfg::kConsumerThreads) {
      const uint32_t h = i / d4, j4 = i % d4;
      float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll 8
      for (uint32_t ch = 0; ch < chunks; ++ch) {
        const float wt = w[ch * hc + h];
        const float4 v = __ldcg(src + (uint64_t(ch) * Hq + h0 + h) * d4 + j4);
        acc.x = fmaf(wt, v.x, acc.x);
        acc.y = fmaf(wt, v.y, acc.y);
        acc.z = fmaf(wt, v.z, acc.z);
        acc.w = fmaf(wt, v.w, acc.w);
      }
      const uint64_t o = uint64_t(h0 + h) * d + j4 * 4;
      store_f(out, o, acc.x);
      store_f(out, o + 1, acc.y);
      store_f(out, o + 2, acc.z);
      store_f(out, o + 3, acc.w);
    }
  } else {
    for (uint32_t i = c.tid; i < hc * d; i += Cfg::kConsumerThreads) {
      const uint32_t h = i / d, j = i % d;
      float acc = 0.f;
#pragma unroll 8
      for (uint32_t ch = 0; ch < chunks; ++ch) acc = fmaf(w[ch * hc + h], load_f(po, (uint64_t(ch) * Hq + h0 + h) * d + j), acc);
      store_f(out, uint64_t(h0 + h) * d + j, acc);
    }
  }
  return true;
}

}  // namespace mk
