// Consumer side of every matrix op: for each weight stage the loader landed in the ring, dot each
// of its rows with the staged vector (16-byte shared loads, fp32 accumulation), add into the row
// accumulators, and release the stage; after each row block, run the op's epilogue per row.
#pragma once
#include <cstdint>

#include "config.cuh"
#include "plan.cuh"
#include "sync.cuh"

namespace mk {

__device__ __forceinline__ float dot8(const uint4& w, const float4& a, const float4& b) {
  float s = __uint_as_float(w.x << 16) * a.x;
  s = fmaf(__uint_as_float(w.x & 0xffff0000u), a.y, s);
  s = fmaf(__uint_as_float(w.y << 16), a.z, s);
  s = fmaf(__uint_as_float(w.y & 0xffff0000u), a.w, s);
  s = fmaf(__uint_as_float(w.z << 16), b.x, s);
  s = fmaf(__uint_as_float(w.z & 0xffff0000u), b.y, s);
  s = fmaf(__uint_as_float(w.w << 16), b.z, s);
  s = fmaf(__uint_as_float(w.w & 0xffff0000u), b.w, s);
  return s;
}

// Rows of one stage are split into `parts` column ranges so all 16 warps have work; each warp
// reduces its (row, part) item with shuffles and adds it to the row's accumulator.
__device__ __forceinline__ bool consume_stage(Consumer& c, const Plan& p, const StageDesc& d) {
  const uint32_t slot = c.stageCount % Cfg::kStages;
  const uint32_t parity = (c.stageCount / Cfg::kStages) & 1u;
  if (!wait_mbar(&c.s.full[slot], parity, c.kp)) return false;
  const uint8_t* stage = c.s.ring[slot];
  const uint32_t len = p.kc;
  float* acc = c.s.acc[d.m] + (d.row - d.blockBase);
  if (p.vec) {
    const uint32_t chunks = len / 8;
    const uint32_t parts = max(1u, min(uint32_t(Cfg::kConsumerWarps) / d.nr, chunks / 32));
    const uint32_t items = d.nr * parts;
    const float4* xs = reinterpret_cast<const float4*>(c.s.xs);
    for (uint32_t item = c.warp; item < items; item += Cfg::kConsumerWarps) {
      const uint32_t i = item / parts, part = item - i * parts;
      const uint32_t cb = part * chunks / parts, ce = (part + 1) * chunks / parts;
      const uint4* w = reinterpret_cast<const uint4*>(stage + size_t(i) * len * 2);
      float s0 = 0.f, s1 = 0.f;
      uint32_t k = cb + c.lane;
#pragma unroll 2
      for (; k + 32 < ce; k += 64) {
        const uint4 w0 = w[k], w1 = w[k + 32];
        s0 += dot8(w0, xs[2 * k], xs[2 * k + 1]);
        s1 += dot8(w1, xs[2 * (k + 32)], xs[2 * (k + 32) + 1]);
      }
      if (k < ce) s0 += dot8(w[k], xs[2 * k], xs[2 * k + 1]);
      const float s = warp_sum(s0 + s1);
      if (c.lane == 0) atomicAdd(acc + i, s);
    }
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
  return for_each_stage(
      p, [&](const StageDesc& d) { return consume_stage(c, p, d); },
      [&](uint32_t b0, uint32_t bEnd) {
        c.sync();
        for (uint32_t r = b0 + c.tid; r < bEnd; r += Cfg::kConsumerThreads) epi(r, r - b0);
        c.sync();
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
