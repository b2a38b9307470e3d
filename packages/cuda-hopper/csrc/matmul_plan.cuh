// MATMUL (prefill): y[t, r] (+)= W[r, k0:k0+kc] . x[t, k0:k0+kc] for a tile of weight rows and a range
// of the step's tokens. Two paths, chosen here by the loader:
// - tensor cores: x bf16 and both operands seen by TMA tensor maps (the host encodes one per bf16
//   tensor, session.cu). Each ring stage holds one 64-column K step: x's token rows [128][64] at 0 and
//   W's rows [n][64] at 16 KB, both in the 128-byte swizzle wgmma reads, copied in boxes of 64 rows. The loader waits for the
//   instruction's counters first (x is an activation; the one other stream that waits is MOE_MATVEC's),
//   then copies the boxes. Tokens are wgmma's M (64 per warpgroup), weight rows its N.
// - CUDA cores otherwise (f32 x, unaligned shapes): no stream; the consumers read W and x directly.
#pragma once
#include <cstdint>

#include "config.cuh"
#include "plan.cuh"
#include "ptx.cuh"
#include "shared_storage.cuh"
#include "tensor_maps.h"
#include "sync.cuh"
#include "wgmma.cuh"

namespace mk {

#ifndef MK_MATMUL_MAX_ROWS  // wgmma N at most: 128 needs 64 accumulators a thread, which the kernel's 128
#define MK_MATMUL_MAX_ROWS 64  // registers cannot hold without ptxas serialising every wgmma (C7512)
#endif

struct MatmulStage {
  static constexpr uint32_t kCols = 64;          // K columns per stage: one 128-byte swizzle row of bf16
  static constexpr uint32_t kMaxTokens = 128;    // two warpgroups of M = 64
  static constexpr uint32_t kMaxRows = MK_MATMUL_MAX_ROWS;  // wgmma N, and the accumulators (N / 2 a thread)
  static constexpr uint32_t kBox = kTensorMapBoxRows;  // rows per tensor copy (tensor_maps.cu's box)
  static constexpr uint32_t kBoxBytes = kBox * kCols * 2;
  static constexpr uint32_t kSwizzleAtom = 1024;  // 8 rows of 128 bytes: where a stage must start
  static constexpr uint32_t kWOffset = kMaxTokens * kCols * 2;  // W's rows follow x's 128
};
static_assert(MatmulStage::kMaxRows == 64 || MatmulStage::kMaxRows == 128, "wgmma N of 64 or 128 at most");
static_assert(MatmulStage::kWOffset + MatmulStage::kMaxRows * MatmulStage::kCols * 2 <= Cfg::kStageBytes,
              "a MATMUL stage (x [128][64] and W [128][64] bf16) must fit one ring stage");
static_assert(MatmulStage::kBox % 8 == 0 && MatmulStage::kMaxTokens % MatmulStage::kBox == 0 &&
                  MatmulStage::kMaxRows % MatmulStage::kBox == 0,
              "tensor copies of whole 8-row swizzle atoms that tile the 128 token and 128 weight rows");
static_assert(Cfg::kStageBytes % MatmulStage::kSwizzleAtom == 0, "ring stages must start on 1 KB (the 128-byte swizzle's atom)");

__device__ __forceinline__ uint32_t matmul_n(uint32_t rows) {
  return rows <= 16 ? 16 : rows <= 32 ? 32 : rows <= 64 ? 64 : MatmulStage::kMaxRows;
}

__device__ void plan_matmul(Plan& p, const KernelParams& kp) {
  const Instruction& in = p.inst;
  const MatmulOps<Plan> op(p);
  const TRef &x = op.x(), &W = op.w(), &y = op.y(), &bias = op.bias();
  p.nstreams = 0;
  p.rows = 0;
  if (!present(x)) return plan_fail(p, STATUS_BAD_TENSOR, op.kSlotX);
  if (!present(W)) return plan_fail(p, STATUS_BAD_TENSOR, op.kSlotW);
  if (!present(y)) return plan_fail(p, STATUS_BAD_TENSOR, op.kSlotY);
  if (W.dtype != DTYPE_BF16 || W.rank != 2) return plan_fail(p, STATUS_BAD_DTYPE, op.kSlotW);
  const uint32_t N = W.shape[0], K = W.shape[1];
  const uint32_t r0 = op.row_start(), R = op.row_count();
  if (r0 > N || R > N - r0 || R == 0) return plan_fail(p, STATUS_BAD_EXTENT, op.kSlotW);
  const uint32_t k0 = op.k_start();
  if (k0 >= K) return plan_fail(p, STATUS_BAD_EXTENT, 100 + op.kSlotW);
  const uint32_t kc = op.k_count() ? op.k_count() : K - k0;
  if (kc > K - k0) return plan_fail(p, STATUS_BAD_EXTENT, 100 + op.kSlotW);
  const uint32_t T = x.rank >= 2 ? x.shape[0] : 0;
  if (T == 0 || x.n != uint64_t(T) * K) return plan_fail(p, STATUS_BAD_EXTENT, op.kSlotX);
  if (y.rank < 2 || y.shape[0] != T || y.n != uint64_t(T) * N) return plan_fail(p, STATUS_BAD_EXTENT, op.kSlotY);
  if (present(bias) && bias.n < N) return plan_fail(p, STATUS_BAD_EXTENT, op.kSlotBias);
  const uint32_t t0 = in.token, tc = op.token_count();
  if (tc == 0 || t0 + tc > T) return plan_fail(p, STATUS_BAD_EXTENT, 400 + t0);
  p.rows = R;
  p.k0 = k0;
  p.kc = kc;
  p.mm.t0 = t0;
  p.mm.tc = tc;
  const uint16_t xId = tensor_slot(in, op.kSlotX), wId = tensor_slot(in, op.kSlotW);
  const bool tensorCores = x.dtype == DTYPE_BF16 && kp.tensorMaps != nullptr && kp.tensorMapOk[xId] &&
                           kp.tensorMapOk[wId] && tc <= MatmulStage::kMaxTokens && R <= MatmulStage::kMaxRows &&
                           (kc % MatmulStage::kCols == 0 || k0 + kc == K);
  if (!tensorCores) return;
  p.mm.n = matmul_n(R);
  p.mm.kSteps = (kc + MatmulStage::kCols - 1) / MatmulStage::kCols;
  p.mm.mapX = kp.tensorMaps + size_t(xId) * kTensorMapBytes;
  p.mm.mapW = kp.tensorMaps + size_t(wId) * kTensorMapBytes;
}

// The loader warp's side of a tensor-core MATMUL: waits for the instruction's counters, then streams
// its K steps through the ring (one stage each). `gs` is the loader's ring position. False when
// aborting (a wait gave up; already reported).
__device__ __noinline__ bool load_matmul(const Plan& p, const KernelParams& kp, SharedStorage& s, int lane,
                                         uint32_t& gs) {
  bool ok = true;
  if (lane == 0) {
    const Instruction& in = p.inst;
    if (in.wait0Counter != NONE16) ok = wait_counter(kp, in.wait0Counter, p.th0, p);
    if (ok && in.wait1Counter != NONE16) ok = wait_counter(kp, in.wait1Counter, p.th1, p);
  }
  ok = __shfl_sync(0xffffffffu, ok, 0);
  __syncwarp();  // lane 0's acquire orders the warp's later reads
  if (!ok) return false;
  tc::fence_proxy_async_global();
  const uint32_t nx = (p.mm.tc + MatmulStage::kBox - 1) / MatmulStage::kBox;
  const uint32_t nw = (p.mm.n + MatmulStage::kBox - 1) / MatmulStage::kBox;  // rows past the tile are not stored
  const uint32_t r0 = p.inst.a0;
  for (uint32_t i = 0; i < p.mm.kSteps; ++i, ++gs) {
    const uint32_t ss = gs % Cfg::kStages;
    if (gs >= Cfg::kStages && !wait_mbar(&s.empty[ss], ((gs / Cfg::kStages) - 1) & 1u, kp)) return false;
    if (lane == 0) ptx::mbar_arrive_expect_tx(&s.full[ss], (nx + nw) * MatmulStage::kBoxBytes);
    __syncwarp();
    const uint32_t stage = ptx::smem_addr(s.ring[ss]), bar = ptx::smem_addr(&s.full[ss]);
    const int k = int(p.k0 + i * MatmulStage::kCols);
    for (uint32_t b = lane; b < nx + nw; b += 32) {
      if (b < nx) {
        tc::tma_load_2d(stage + b * MatmulStage::kBoxBytes, p.mm.mapX, k, int(p.mm.t0 + b * MatmulStage::kBox), bar);
      } else {
        const uint32_t w = b - nx;
        tc::tma_load_2d(stage + MatmulStage::kWOffset + w * MatmulStage::kBoxBytes, p.mm.mapW, k,
                        int(r0 + w * MatmulStage::kBox), bar);
      }
    }
  }
  return true;
}

}  // namespace mk
