// Variants 01 and 06, row per warp: each warp dots whole rows of a stage with the staged vector,
// re-reading the vector from shared memory for every row (32-byte lane steps); rows are split into
// column parts only when a stage has fewer rows than warps. 01 (the kernel up to 2026-12-01) reads
// through generic pointers and adds with generic float atomics; MK_SHARED_SPACE_LOADS 1 (06) uses
// shared-space loads by 32-bit address and a plain add when one warp owns the row.
#pragma once
#include "dot8.cuh"
#include "ptx.cuh"

#ifndef MK_SHARED_SPACE_LOADS
#define MK_SHARED_SPACE_LOADS 0
#endif

namespace mk {

struct MatvecLanes {};

__device__ __forceinline__ MatvecLanes matvec_lanes(const Consumer&, const Plan&) { return {}; }

__device__ __forceinline__ void dot_stage_vec(const Consumer& c, const Plan& p, const StageDesc& d,
                                              const uint8_t* stage, float* acc, MatvecLanes&) {
  const uint32_t len = p.kc;
  const uint32_t chunks = len / 8;
  const uint32_t parts = max(1u, min(uint32_t(Cfg::kConsumerWarps) / d.nr, chunks / 32));
  const uint32_t items = d.nr * parts;
  const float4* xs = reinterpret_cast<const float4*>(c.s.xs);
  for (uint32_t item = c.warp; item < items; item += Cfg::kConsumerWarps) {
    const uint32_t i = item / parts, part = item - i * parts;
    const uint32_t cb = part * chunks / parts, ce = (part + 1) * chunks / parts;
    const uint4* w = reinterpret_cast<const uint4*>(stage + size_t(i) * len * 2);
#if MK_SHARED_SPACE_LOADS
    const uint32_t wa = ptx::smem_addr(w), xa = ptx::smem_addr(xs);
    auto Wk = [&](uint32_t k) { return ptx::lds_u4(wa + k * 16); };
    auto Xk = [&](uint32_t k) { return ptx::lds_f4(xa + k * 16); };
#else
    auto Wk = [&](uint32_t k) { return w[k]; };
    auto Xk = [&](uint32_t k) { return xs[k]; };
#endif
    float s0 = 0.f, s1 = 0.f;
    uint32_t k = cb + c.lane;
#pragma unroll 2
    for (; k + 32 < ce; k += 64) {
      const uint4 w0 = Wk(k), w1 = Wk(k + 32);
      s0 += dot8(w0, Xk(2 * k), Xk(2 * k + 1));
      s1 += dot8(w1, Xk(2 * (k + 32)), Xk(2 * (k + 32) + 1));
    }
    if (k < ce) s0 += dot8(Wk(k), Xk(2 * k), Xk(2 * k + 1));
    const float s = warp_sum(s0 + s1);
#if MK_SHARED_SPACE_LOADS
    if (c.lane == 0) {
      if (parts == 1) {
        acc[i] += s;
      } else {
        ptx::red_add_shared(ptx::smem_addr(acc + i), s);
      }
    }
#else
    if (c.lane == 0) atomicAdd(acc + i, s);
#endif
  }
}

}  // namespace mk
