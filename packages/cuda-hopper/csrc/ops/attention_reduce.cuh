// ATTENTION_REDUCE: out[h] = sum_c exp(lse[c,h] - M) O[c,h] / sum_c exp(lse[c,h] - M) for the
// tile's heads, M = max_c lse[c,h]; chunks whose LSE is -inf (empty) weigh nothing. Latency-bound
// (it sits between attention and the O projection). Warp path (f32, head_dim/4 a power of two up to
// 32, at most 32 chunks): one warp per head, lanes split into head_dim/4 float4 columns x chunk
// subsets; every LSE and partial load of the head goes out in one round (16-byte loads), the
// softmax weights come from warp shuffles and the chunk subsets merge with shuffles: no shared
// memory, no barrier, no dependent load chain. Otherwise: the LSEs and partial outputs go to shared
// memory in one round, then weights, then the weighted sums.
#pragma once
#include "../sync.cuh"

namespace mk {

constexpr int kReduceBatch = 16;  // float4 partial loads in flight per lane

__device__ __noinline__ bool reduce_warps(Consumer& c, const Plan& p, const TRef& po, const TRef& lse, const TRef& out,
                                          uint32_t chunks, uint32_t Hq, uint32_t d, uint32_t h0, uint32_t hc) {
  const uint32_t d4 = d / 4, S = 32 / d4;  // lanes per chunk row, chunk subsets per warp
  const uint32_t sub = c.lane / d4, j4 = c.lane % d4;
  const float4* src = reinterpret_cast<const float4*>(po.ptr);
  const float* lsep = reinterpret_cast<const float*>(lse.ptr);
  const bool vout = out.dtype == DTYPE_F32 && aligned16(out.ptr);
  if (!c.wait_deps(p)) return false;
  for (uint32_t h = c.warp; h < hc; h += Cfg::kConsumerWarps) {
    const uint32_t head = h0 + h;
    const float lv = c.lane < chunks ? __ldcg(lsep + uint64_t(c.lane) * Hq + head) : -INFINITY;
    float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
    float wl = 0.f;
    for (uint32_t kb = 0; kb * S < chunks; kb += kReduceBatch) {
      float4 v[kReduceBatch];
#pragma unroll
      for (int k = 0; k < kReduceBatch; ++k) {
        const uint32_t ch = sub + (kb + k) * S;
        v[k] = ch < chunks ? __ldcg(src + (uint64_t(ch) * Hq + head) * d4 + j4) : make_float4(0.f, 0.f, 0.f, 0.f);
      }
      if (kb == 0) {  // softmax weights of the chunks: lane l holds chunk l's
        const float M = warp_max(lv);
        const float e = (M == -INFINITY || lv == -INFINITY) ? 0.f : __expf(lv - M);
        const float sum = warp_sum(e);
        const float inv = sum > 0.f ? 1.f / sum : 0.f;
        wl = e * inv;
      }
#pragma unroll
      for (int k = 0; k < kReduceBatch; ++k) {
        const uint32_t ch = sub + (kb + k) * S;
        const float wt = __shfl_sync(0xffffffffu, wl, ch & 31u);
        if (ch < chunks) {
          acc.x = fmaf(wt, v[k].x, acc.x);
          acc.y = fmaf(wt, v[k].y, acc.y);
          acc.z = fmaf(wt, v[k].z, acc.z);
          acc.w = fmaf(wt, v[k].w, acc.w);
        }
      }
    }
    for (uint32_t off = d4; off < 32; off <<= 1) {
      acc.x += __shfl_xor_sync(0xffffffffu, acc.x, off);
      acc.y += __shfl_xor_sync(0xffffffffu, acc.y, off);
      acc.z += __shfl_xor_sync(0xffffffffu, acc.z, off);
      acc.w += __shfl_xor_sync(0xffffffffu, acc.w, off);
    }
    if (sub == 0) {
      const uint64_t o = uint64_t(head) * d + uint64_t(j4) * 4;
      if (vout) {
        __stcg(reinterpret_cast<float4*>(out.ptr) + o / 4, acc);
      } else {
        store_f(out, o, acc.x);
        store_f(out, o + 1, acc.y);
        store_f(out, o + 2, acc.z);
        store_f(out, o + 3, acc.w);
      }
    }
  }
  return true;
}

__device__ __noinline__ bool op_attention_reduce(Consumer& c, const Plan& p) {
  const AttentionReduceOps op(p);
  const TRef &po = op.partial_o(), &lse = op.lse(), &out = op.out();
  if (!present(po) || !present(lse) || !present(out) || lse.rank != 2) {
    c.fail(p, STATUS_BAD_TENSOR, op.kSlotLse);
    return false;
  }
  const uint32_t chunks = lse.shape[0], Hq = lse.shape[1];
  const uint32_t d = (chunks && Hq) ? uint32_t(po.n / (uint64_t(chunks) * Hq)) : 0;
  const uint32_t h0 = op.head_start(), hc = op.head_count();
  if (d == 0 || h0 > Hq || hc > Hq - h0 || out.n < uint64_t(Hq) * d || uint64_t(chunks) * hc > Cfg::kMaxVector / 2) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotOut);
    return false;
  }
  const uint32_t d4w = d / 4;
  const bool warpPath = d % 4 == 0 && d4w <= 32 && (d4w & (d4w - 1)) == 0 && chunks <= 32 && po.dtype == DTYPE_F32 &&
                        lse.dtype == DTYPE_F32 && aligned16(po.ptr);
  if (warpPath) return reduce_warps(c, p, po, lse, out, chunks, Hq, d, h0, hc);
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
