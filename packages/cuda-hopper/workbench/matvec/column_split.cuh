// Variants 03 and 09, column split: each consumer warp owns fixed 256-element
// column slices of the tile (32 lanes x 8 bf16) and keeps the matching inputs in registers for the
// whole instruction, so a stage costs one 16-byte shared load per weight word and nothing for the
// vector, but every warp reduces and adds every row it touches. Wide rows (>= 15 slices) give each warp up to 3 slices of every
// row; narrow rows give each warp one slice of every G-th row. Rows go in batches of 4 so their
// loads and warp reductions overlap. MK_SHARED_SPACE_LOADS 1: shared-space loads and reductions.
#pragma once
#include <cstdint>

#include "config.cuh"
#include "dot8.cuh"
#include "plan.cuh"
#include "ptx.cuh"
#include "sync.cuh"

#ifndef MK_SHARED_SPACE_LOADS
#define MK_SHARED_SPACE_LOADS 0
#endif

namespace mk {

constexpr uint32_t kSliceChunks = 32;  // 16-byte chunks per slice: one per lane
constexpr uint32_t kMaxSlicesPerWarp =
    (Cfg::kMaxVector / 8 / kSliceChunks + Cfg::kConsumerWarps - 1) / Cfg::kConsumerWarps;

struct MatvecLanes {
  float4 x[kMaxSlicesPerWarp][2];  // inputs of this lane's chunk in each owned slice (0 past the row)
  uint32_t first, stride;          // owned slices: first, first + stride, ...
  uint32_t ns;                     // slices owned (0 when the warp sits this tile out)
  uint32_t g, G;                   // this warp's row group and the number of row groups
};

// After the input vector is staged in c.s.xs (a consumer barrier ordered it).
__device__ __forceinline__ MatvecLanes matvec_lanes(const Consumer& c, const Plan& p) {
  MatvecLanes L;
  const uint32_t C = p.kc / 8, S = (C + kSliceChunks - 1) / kSliceChunks, W = Cfg::kConsumerWarps;
  const uint32_t w = uint32_t(c.warp);
  if (S >= W) {
    L.G = 1;
    L.g = 0;
    L.first = w;
    L.stride = W;
    L.ns = (S - w + W - 1) / W;
  } else {
    L.G = W / S;
    L.g = w / S;
    L.first = w % S;
    L.stride = 0;
    L.ns = L.g < L.G ? 1 : 0;
  }
  const float4* xs = reinterpret_cast<const float4*>(c.s.xs);
#pragma unroll
  for (uint32_t j = 0; j < kMaxSlicesPerWarp; ++j) {
    const uint32_t ch = (L.first + j * L.stride) * kSliceChunks + c.lane;
    const bool on = j < L.ns && ch < C;
    L.x[j][0] = on ? xs[2 * ch] : make_float4(0.f, 0.f, 0.f, 0.f);
    L.x[j][1] = on ? xs[2 * ch + 1] : make_float4(0.f, 0.f, 0.f, 0.f);
  }
  return L;
}

__device__ __forceinline__ void dot_stage_vec(const Consumer& c, const Plan& p, const StageDesc& d,
                                              const uint8_t* stage, float* acc, MatvecLanes& L) {
  if (L.ns == 0) return;
  const uint32_t C = p.kc / 8;
  const uint4* w = reinterpret_cast<const uint4*>(stage);
  constexpr int kBatch = 4;
  for (uint32_t i0 = L.g; i0 < d.nr; i0 += kBatch * L.G) {
    float s[kBatch];
#pragma unroll
    for (int b = 0; b < kBatch; ++b) {
      const uint32_t i = i0 + b * L.G;
      s[b] = 0.f;
      if (i < d.nr) {
#pragma unroll
        for (uint32_t j = 0; j < kMaxSlicesPerWarp; ++j) {
          const uint32_t ch = (L.first + j * L.stride) * kSliceChunks + c.lane;
#if MK_SHARED_SPACE_LOADS
          if (j < L.ns && ch < C)
            s[b] += dot8(ptx::lds_u4(ptx::smem_addr(stage) + (i * C + ch) * 16), L.x[j][0], L.x[j][1]);
#else
          if (j < L.ns && ch < C) s[b] += dot8(w[size_t(i) * C + ch], L.x[j][0], L.x[j][1]);
#endif
        }
      }
    }
#pragma unroll
    for (int b = 0; b < kBatch; ++b) s[b] = warp_sum(s[b]);
    if (c.lane == 0) {
#pragma unroll
      for (int b = 0; b < kBatch; ++b) {
        const uint32_t i = i0 + b * L.G;
#if MK_SHARED_SPACE_LOADS
        if (i < d.nr) ptx::red_add_shared(ptx::smem_addr(acc + i), s[b]);
#else
        if (i < d.nr) atomicAdd(acc + i, s[b]);
#endif
      }
    }
  }
}

}  // namespace mk
