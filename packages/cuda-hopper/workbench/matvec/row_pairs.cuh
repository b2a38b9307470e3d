// Variants 04, 05, 07, 08: each consumer warp takes a pair of rows (MK_ROWS_PER_ITEM 2) or one row
// and a column range, reading every input float4 once for the rows it holds. Lanes step through
// float4 columns (weights as 8-byte words), so a warp's loads are contiguous in shared memory (no
// bank conflicts). MK_SHARED_SPACE_LOADS 1: shared-space loads and reductions by 32-bit address
// instead of generic pointers.
#pragma once
#include <cstdint>

#include "config.cuh"
#include "plan.cuh"
#include "ptx.cuh"
#include "sync.cuh"

namespace mk {

#ifndef MK_ROWS_PER_ITEM
#define MK_ROWS_PER_ITEM 2
#endif
#ifndef MK_SHARED_SPACE_LOADS
#define MK_SHARED_SPACE_LOADS 0
#endif

struct MatvecLanes {};

__device__ __forceinline__ MatvecLanes matvec_lanes(const Consumer&, const Plan&) { return {}; }

// acc += 4 bf16 weights (one 8-byte word) . 4 fp32 inputs
__device__ __forceinline__ float dot4(const uint2& w, const float4& x, float acc) {
  acc = fmaf(__uint_as_float(w.x << 16), x.x, acc);
  acc = fmaf(__uint_as_float(w.x & 0xffff0000u), x.y, acc);
  acc = fmaf(__uint_as_float(w.y << 16), x.z, acc);
  return fmaf(__uint_as_float(w.y & 0xffff0000u), x.w, acc);
}

__device__ __forceinline__ void dot_stage_vec(const Consumer& c, const Plan& p, const StageDesc& d,
                                              const uint8_t* stage, float* acc, MatvecLanes&) {
  constexpr uint32_t kRows = MK_ROWS_PER_ITEM;
  constexpr uint32_t W = Cfg::kConsumerWarps;
  const uint32_t F = p.kc / 4;  // float4 columns per row
  const uint32_t groups = (d.nr + kRows - 1) / kRows;
  // Split rows into column parts only while warps are left over, each part at least 32 columns.
  const uint32_t parts = max(1u, min(W / groups, F / 32));
  const uint32_t items = groups * parts;
  const float4* xs = reinterpret_cast<const float4*>(c.s.xs);
  for (uint32_t item = c.warp; item < items; item += W) {
    const uint32_t gi = item / parts, part = item - gi * parts;
    const uint32_t qb = part * F / parts, qe = (part + 1) * F / parts;
    const uint32_t r0 = gi * kRows;
    const uint2* w0 = reinterpret_cast<const uint2*>(stage) + size_t(r0) * F;
    const uint2* w1 = w0 + F;
    const bool two = kRows == 2 && r0 + 1 < d.nr;
#if MK_SHARED_SPACE_LOADS
    const uint32_t xa = ptx::smem_addr(xs), wa0 = ptx::smem_addr(w0), wa1 = wa0 + F * 8;
    auto X = [&](uint32_t k) { return ptx::lds_f4(xa + k * 16); };
    auto W0 = [&](uint32_t k) { return ptx::lds_u2(wa0 + k * 8); };
    auto W1 = [&](uint32_t k) { return ptx::lds_u2(wa1 + k * 8); };
#else
    auto X = [&](uint32_t k) { return xs[k]; };
    auto W0 = [&](uint32_t k) { return w0[k]; };
    auto W1 = [&](uint32_t k) { return w1[k]; };
#endif
    float a0 = 0.f, a1 = 0.f, b0 = 0.f, b1 = 0.f;
    uint32_t q = qb + c.lane;
    for (; q + 32 < qe; q += 64) {
      const float4 x0 = X(q), x1 = X(q + 32);
      a0 = dot4(W0(q), x0, a0);
      a1 = dot4(W0(q + 32), x1, a1);
      if (two) {
        b0 = dot4(W1(q), x0, b0);
        b1 = dot4(W1(q + 32), x1, b1);
      }
    }
    if (q < qe) {
      const float4 x0 = X(q);
      a0 = dot4(W0(q), x0, a0);
      if (two) b0 = dot4(W1(q), x0, b0);
    }
    const float sa = warp_sum(a0 + a1);
    const float sb = two ? warp_sum(b0 + b1) : 0.f;
    if (c.lane == 0) {
#if MK_SHARED_SPACE_LOADS
      if (parts == 1) {
        acc[r0] += sa;
        if (two) acc[r0 + 1] += sb;
      } else {
        ptx::red_add_shared(ptx::smem_addr(acc + r0), sa);
        if (two) ptx::red_add_shared(ptx::smem_addr(acc + r0 + 1), sb);
      }
#else
      atomicAdd(acc + r0, sa);
      if (two) atomicAdd(acc + r0 + 1, sb);
#endif
    }
  }
}

}  // namespace mk
