// Variants 12-13: variant 10's dealing across stages, but a warp takes MK_ROW_GROUP consecutive rows of a
// stage at once and reads each input float4 once for all of them (shared-memory bytes per weight:
// 2 + 4 / R instead of 6). Groups, not rows, are dealt round-robin over the warps across stages; stages
// narrower than 2 * warps rows keep the promoted per-stage column split.
#pragma once
#include <cstdint>

#include "config.cuh"
#include "plan.cuh"
#include "ptx.cuh"
#include "sync.cuh"

// The promoted stage function, renamed: narrow stages keep its column split.
#define dot_stage_vec promoted_dot_stage_vec
#include "matvec_rows.cuh"
#undef dot_stage_vec

#ifndef MK_ROW_GROUP
#define MK_ROW_GROUP 2
#endif

namespace mk {

// R consecutive rows (row stride `rs` bytes) dotted with the vector; every lane gets the R sums.
template <int R>
__device__ __forceinline__ void group_dot(uint32_t w, uint32_t rs, uint32_t xs, uint32_t F, int lane, float* out) {
  float a[R], b[R];
#pragma unroll
  for (int r = 0; r < R; ++r) a[r] = b[r] = 0.f;
  uint32_t q = lane;
  for (; q + 32 < F; q += 64) {
    const float4 x0 = ptx::lds_f4(xs + q * 16), x1 = ptx::lds_f4(xs + (q + 32) * 16);
    uint2 w0[R], w1[R];
#pragma unroll
    for (int r = 0; r < R; ++r) {
      w0[r] = ptx::lds_u2(w + r * rs + q * 8);
      w1[r] = ptx::lds_u2(w + r * rs + (q + 32) * 8);
    }
#pragma unroll
    for (int r = 0; r < R; ++r) {
      a[r] = dot4(w0[r], x0, a[r]);
      b[r] = dot4(w1[r], x1, b[r]);
    }
  }
  if (q < F) {
    const float4 x0 = ptx::lds_f4(xs + q * 16);
#pragma unroll
    for (int r = 0; r < R; ++r) a[r] = dot4(ptx::lds_u2(w + r * rs + q * 8), x0, a[r]);
  }
#pragma unroll
  for (int r = 0; r < R; ++r) out[r] = warp_sum(a[r] + b[r]);
}

__device__ __forceinline__ void dot_stage_vec(const Consumer& c, const Plan& p, const StageDesc& d,
                                              const uint8_t* stage, float* acc, MatvecLanes& L) {
  constexpr uint32_t W = Cfg::kConsumerWarps;
  constexpr uint32_t R = MK_ROW_GROUP;
  const uint32_t F = p.kc / 4;  // float4 columns per row
  const uint32_t xs = ptx::smem_addr(c.s.xs), st = ptx::smem_addr(stage);
  const uint32_t warp = uint32_t(c.warp);
  if (d.nr * 2 >= W) {
    const uint32_t groups = (d.nr + R - 1) / R;
    for (uint32_t gi = (warp + W - L.rowSeq % W) % W; gi < groups; gi += W) {
      const uint32_t i = gi * R;
      if (i + R <= d.nr) {
        float s[R];
        group_dot<R>(st + i * F * 8, F * 8, xs, F, c.lane, s);
        if (c.lane == 0) {
#pragma unroll
          for (uint32_t r = 0; r < R; ++r) acc[i + r] += s[r];
        }
      } else {
        for (uint32_t j = i; j < d.nr; ++j) {
          const float s = row_dot(st + j * F * 8, xs, 0, F, c.lane);
          if (c.lane == 0) acc[j] += s;
        }
      }
    }
    L.rowSeq += groups;
    return;
  }
  promoted_dot_stage_vec(c, p, d, stage, acc, L);
}

}  // namespace mk
