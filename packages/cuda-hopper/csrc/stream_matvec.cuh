// Consumer side of every matrix op: for each weight stage the loader landed in the ring, add its
// rows' dot products with the staged vector (fp32 accumulation) into the row accumulators and
// release the stage; after each row block, run the op's epilogue per row.
#pragma once
#include <cstdint>

#include "config.cuh"
#include "plan.cuh"
#include "sync.cuh"

// The dot products of a 16-byte-aligned stage; workbench/matvec/ holds the variants measured.
#if defined(MK_MATVEC_VARIANT)
#include MK_MATVEC_VARIANT
#else
#include "matvec_rows.cuh"
#endif

namespace mk {

// Waits for a landed stage, adds its rows' dot products into the accumulators, releases it.
__device__ __forceinline__ bool consume_stage(Consumer& c, const Plan& p, const StageDesc& d, MatvecLanes& L) {
  const uint32_t slot = c.stageCount % Cfg::kStages;
  const uint32_t parity = (c.stageCount / Cfg::kStages) & 1u;
  if (!wait_mbar(&c.s.full[slot], parity, c.kp)) return false;
  const uint8_t* stage = c.s.ring[slot];
  const uint32_t len = p.kc;
  float* acc = c.s.acc[d.m] + (d.row - d.blockBase);
  if (p.vec) {
    dot_stage_vec(c, p, d, stage, acc, L);
  } else {
    const unsigned short* w = reinterpret_cast<const unsigned short*>(stage);
    for (uint32_t i = c.warp; i < d.nr; i += Cfg::kConsumerWarps) {
      float s = 0.f;
      for (uint32_t k = c.lane; k < len; k += 32) s += bf16_bits_to_f32(w[size_t(i) * len + k]) * c.s.xs[k];
      s = warp_sum(s);
      if (c.lane == 0) atomicAdd(acc + i, s);
    }
  }
  __syncwarp();
  if (c.lane == 0) ptx::mbar_arrive(&c.s.empty[slot]);
  ++c.stageCount;
  return true;
}

// Zeroes the accumulators the first row block uses (before the wait, ordered by its barrier).
__device__ __forceinline__ void zero_acc(Consumer& c, const Plan& p) {
  const uint32_t n = min(p.rows, Cfg::kRowBlock);
  for (uint32_t i = c.tid; i < n; i += Cfg::kConsumerThreads) {
    c.s.acc[0][i] = 0.f;
    c.s.acc[1][i] = 0.f;
  }
}

// Streams the plan's stages; `epi(r, i)` runs once per tile row r, its dot products being
// c.s.acc[0][i] (and c.s.acc[1][i] for the second matrix, gate/up). Returns false when aborting.
template <class Epi>
__device__ __forceinline__ bool run_matvec(Consumer& c, const Plan& p, Epi&& epi) {
  MatvecLanes L = p.vec ? matvec_lanes(c, p) : MatvecLanes{};
  return for_each_stage(
      p, [&](const StageDesc& d) { return consume_stage(c, p, d, L); },
      [&](uint32_t b0, uint32_t bEnd) {
        c.sync();
#if defined(MK_TIME_AFTER) && MK_TIME_AFTER == 2  // workbench: the timing's wait column ends after the dots
        if (c.timing && c.tid == 0 && bEnd >= p.rows) c.waitDone = ptx::globaltimer();
#endif
        for (uint32_t r = b0 + c.tid; r < bEnd; r += Cfg::kConsumerThreads) epi(r, r - b0);
        c.sync();
#if defined(MK_TIME_AFTER) && MK_TIME_AFTER == 6  // workbench: the wait column ends after the epilogue's stores
        if (c.timing && c.tid == 0 && bEnd >= p.rows) c.waitDone = ptx::globaltimer();
#endif
        if (bEnd < p.rows) {  // another row block follows: clear after every row (and partner) was read
          for (uint32_t i = c.tid; i < Cfg::kRowBlock; i += Cfg::kConsumerThreads) {
            c.s.acc[0][i] = 0.f;
            c.s.acc[1][i] = 0.f;
          }
          c.sync();
        }
        return true;
      });
}

}  // namespace mk
