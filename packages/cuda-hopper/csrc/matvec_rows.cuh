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
#include "row_dot.cuh"
#include "sync.cuh"

namespace mk {

struct MatvecLanes {
  uint32_t rowSeq;  // rows of this instruction's stages dealt so far (the round-robin position)
};

__device__ __forceinline__ MatvecLanes matvec_lanes(const Consumer&, const Plan&) { return {0}; }

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
