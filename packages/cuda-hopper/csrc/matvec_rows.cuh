// The dot products of one 16-byte-aligned weight stage (workbench/matvec/ has the variants this
// was chosen from, with their H200 timings). A warp dots a whole row with the staged vector; lanes
// step through float4 columns (weights as 8-byte words) so every warp load is contiguous in shared
// memory, and all operands are read with shared-space loads by 32-bit address (generic pointers
// into SharedStorage cost the inner loop most of its time).
// Stages of >= 8 rows deal their rows round-robin over the warps across stages, so all 15 warps are
// busy and a row has one owner (a plain add); narrower stages split each row into column parts
// within the stage, added with shared-space reductions.
#pragma once
#include <cstdint>

#include "config.cuh"
#include "plan.cuh"
#include "ptx.cuh"
#include "sync.cuh"

namespace mk {

struct MatvecLanes {
  uint32_t rowSeq;  // rows of this instruction's stages dealt so far (the round-robin position)
};

__device__ __forceinline__ MatvecLanes matvec_lanes(const Consumer&, const Plan&) { return {0}; }

// acc + 4 bf16 weights (one 8-byte word) . 4 fp32 inputs
__device__ __forceinline__ float dot4(const uint2& w, const float4& x, float acc) {
  acc = fmaf(__uint_as_float(w.x << 16), x.x, acc);
  acc = fmaf(__uint_as_float(w.x & 0xffff0000u), x.y, acc);
  acc = fmaf(__uint_as_float(w.y << 16), x.z, acc);
  return fmaf(__uint_as_float(w.y & 0xffff0000u), x.w, acc);
}

// One warp: the dot product of float4 columns [qb, qe) of the row at shared address `w` with the
// staged vector at `xs`, summed over the warp (every lane gets it).
__device__ __forceinline__ float row_dot(uint32_t w, uint32_t xs, uint32_t qb, uint32_t qe, int lane) {
  float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
  uint32_t q = qb + lane;
  for (; q + 96 < qe; q += 128) {
    const uint2 w0 = ptx::lds_u2(w + q * 8), w1 = ptx::lds_u2(w + (q + 32) * 8);
    const uint2 w2 = ptx::lds_u2(w + (q + 64) * 8), w3 = ptx::lds_u2(w + (q + 96) * 8);
    s0 = dot4(w0, ptx::lds_f4(xs + q * 16), s0);
    s1 = dot4(w1, ptx::lds_f4(xs + (q + 32) * 16), s1);
    s2 = dot4(w2, ptx::lds_f4(xs + (q + 64) * 16), s2);
    s3 = dot4(w3, ptx::lds_f4(xs + (q + 96) * 16), s3);
  }
  for (; q < qe; q += 32) s0 = dot4(ptx::lds_u2(w + q * 8), ptx::lds_f4(xs + q * 16), s0);
  return warp_sum((s0 + s1) + (s2 + s3));
}

__device__ __forceinline__ void dot_stage_vec(const Consumer& c, const Plan& p, const StageDesc& d,
                                              const uint8_t* stage, float* acc, MatvecLanes& L) {
  constexpr uint32_t W = Cfg::kConsumerWarps;
  const uint32_t F = p.kc / 4;  // float4 columns per row
  const uint32_t xs = ptx::smem_addr(c.s.xs), st = ptx::smem_addr(stage);
  const uint32_t warp = uint32_t(c.warp);
  if (d.nr * 2 >= W) {
    // Rows dealt across stages: this warp's rows are those with (rowSeq + i) % W == warp.
    for (uint32_t i = (warp + W - L.rowSeq % W) % W; i < d.nr; i += W) {
      const float s = row_dot(st + i * F * 8, xs, 0, F, c.lane);
      if (c.lane == 0) acc[i] += s;
    }
    L.rowSeq += d.nr;
    return;
  }
  const uint32_t parts = max(1u, min(W / d.nr, F / 32));
  const uint32_t items = d.nr * parts;
  for (uint32_t item = warp; item < items; item += W) {
    const uint32_t i = item / parts, part = item - i * parts;
    const float s = row_dot(st + i * F * 8, xs, part * F / parts, (part + 1) * F / parts, c.lane);
    if (c.lane == 0) {
      if (parts == 1) {
        acc[i] += s;
      } else {
        ptx::red_add_shared(ptx::smem_addr(acc + i), s);
      }
    }
  }
}

}  // namespace mk
