// MATMUL (prefill): a tile of weight rows [r0, r0 + R) for the step's tokens [t0, t0 + tc):
// y[t, r] (+)= W[r, k0:k0+kc] . x[t, k0:k0+kc] (+ bias[r] when k0 = 0), fp32 accumulation. The loader
// chose the path (matmul_plan.cuh): tensor cores (wgmma, x bf16) through the ring, or CUDA cores
// reading W and x directly. The CPU VM's twin is reference-cpu's ops/matmul.ts.
#pragma once
#include "../matmul_plan.cuh"
#include "../sync.cuh"
#include "../tensor_ref.cuh"
#include "../wgmma.cuh"

namespace mk {

// One output element: the dot product plus the bias and, with accumulate, y's previous value.
__device__ __forceinline__ void matmul_store(const Plan& p, const MatmulOps<Plan>& op, uint32_t t, uint32_t r, float v) {
  const TRef &y = op.y(), &bias = op.bias();
  const uint32_t N = op.w().shape[0];
  const uint64_t row = uint64_t(op.row_start()) + r;
  const uint64_t at = uint64_t(t) * N + row;
  if (present(bias) && p.k0 == 0) v += load_f(bias, row);
  if (op.accumulate()) v += load_f(y, at);
  store_f(y, at, v);
}

// CUDA cores: one warp per (row, token) output, W and x read from global memory (L1/L2).
__device__ inline bool matmul_cuda_cores(Consumer& c, const Plan& p, const MatmulOps<Plan>& op) {
  if (!c.wait_deps(p)) return false;
  const TRef &x = op.x(), &W = op.w();
  const uint32_t K = W.shape[1], r0 = op.row_start();
  const uint32_t outputs = p.rows * p.mm.tc;
  for (uint32_t o = c.warp; o < outputs; o += Cfg::kConsumerWarps) {
    const uint32_t r = o % p.rows, t = p.mm.t0 + o / p.rows;
    const uint64_t wRow = uint64_t(r0 + r) * K + p.k0, xRow = uint64_t(t) * K + p.k0;
    float s = 0.f;
    for (uint32_t k = c.lane; k < p.kc; k += 32) s = fmaf(load_f(W, wRow + k), load_f(x, xRow + k), s);
    s = warp_sum(s);
    if (c.lane == 0) matmul_store(p, op, t, r, s);
  }
  return true;
}

// Tensor cores, N weight rows per wgmma: warpgroup g (warps 4g .. 4g + 3) owns tokens [64 g, 64 g + 64) of
// the tile (g < 2); the other consumer warps only hand the stages back.
template <int N>
__device__ inline bool matmul_tensor_cores(Consumer& c, const Plan& p, const MatmulOps<Plan>& op) {
  if (!c.wait_deps(p)) return false;  // y's previous values (accumulate) and this tile's outputs
  const uint32_t wg = uint32_t(c.warp) / 4;
  const bool mine = wg < 2 && 64u * wg < p.mm.tc;  // the same for the whole warpgroup
  float d[N / 2];  // the first product overwrites it (scale-d 0)
  const uint32_t first = c.stageCount;
  c.stageCount += p.mm.kSteps;
  bool ok = true;
  if (!mine) {
    for (uint32_t i = 0; i < p.mm.kSteps; ++i) {
      const uint32_t g = first + i, slot = g % Cfg::kStages;
      if (ok) ok = wait_mbar(&c.s.full[slot], (g / Cfg::kStages) & 1u, c.kp);
      __syncwarp();
      if (c.lane == 0) ptx::mbar_arrive(&c.s.empty[slot]);
    }
    return ok;
  }
  // The wgmma pipeline: no call and no early exit inside it, or ptxas serialises every wgmma. After an
  // abort the loop runs on without waiting (the products are garbage; the launch is ending anyway).
  for (uint32_t i = 0; i < p.mm.kSteps; ++i) {
    const uint32_t g = first + i, slot = g % Cfg::kStages;
    if (ok) ok = wait_mbar(&c.s.full[slot], (g / Cfg::kStages) & 1u, c.kp);
    const uint32_t stage = ptx::smem_addr(c.s.ring[slot]);
    const uint32_t a = stage + wg * 64 * MatmulStage::kCols * 2, b = stage + MatmulStage::kWOffset;
    tc::fence_operands(d);
    tc::fence();
#pragma unroll
    for (int kk = 0; kk < int(MatmulStage::kCols / 16); ++kk)
      tc::mma_m64k16(d, tc::kmajor_sw128(a + kk * 32), tc::kmajor_sw128(b + kk * 32), (i | kk) != 0);
    tc::commit();
    tc::wait_group<1>();  // this step's group stays in flight; the one before it is done
    tc::fence_operands(d);
    if (i > 0 && c.lane == 0) ptx::mbar_arrive(&c.s.empty[(g - 1) % Cfg::kStages]);
  }
  tc::wait_group<0>();
  tc::fence_operands(d);
  if (c.lane == 0) ptx::mbar_arrive(&c.s.empty[(first + p.mm.kSteps - 1) % Cfg::kStages]);
  if (!ok) return false;
  {
    // wgmma's f32 D fragment: warp w of the warpgroup holds M rows 16 w .. 16 w + 15 (tokens);
    // d[4 j + e] is M row lane / 4 + 8 (e / 2), N column 8 j + 2 (lane % 4) + e % 2 (weight rows).
    const uint32_t m = 64 * wg + 16 * (uint32_t(c.warp) % 4) + uint32_t(c.lane) / 4;
    const uint32_t col = 2 * (uint32_t(c.lane) % 4);
#pragma unroll
    for (int j = 0; j < N / 8; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const uint32_t t = m + 8 * (e >> 1), r = 8 * j + col + (e & 1);
        if (t < p.mm.tc && r < p.rows) matmul_store(p, op, p.mm.t0 + t, r, d[4 * j + e]);
      }
  }
  return true;
}

// Inlined into the kernel: wgmma in a called function is serialised by ptxas (C7510). Only the kernel
// instance for programs with MATMUL (kTensorCores) holds the tensor-core path: its code costs the
// decode instance 23% of its speed (registers; workbench README, "prefill MATMUL").
template <bool kTensorCores>
__device__ __forceinline__ bool op_matmul(Consumer& c, const Plan& p) {
  const MatmulOps<Plan> op(p);
  // The 128-byte swizzle needs stages on its 1 KB atom; the detail is that alignment.
  if (p.mm.n != 0 && (ptx::smem_addr(c.s.ring) % MatmulStage::kSwizzleAtom) != 0) {
    c.fail(p, STATUS_UNSUPPORTED, MatmulStage::kSwizzleAtom);
    return false;
  }
  if constexpr (!kTensorCores) return matmul_cuda_cores(c, p, op);
  switch (p.mm.n) {
    case 16:
      return matmul_tensor_cores<16>(c, p, op);
    case 32:
      return matmul_tensor_cores<32>(c, p, op);
    case 64:
      return matmul_tensor_cores<64>(c, p, op);
    case 128:
      if constexpr (MatmulStage::kMaxRows >= 128) return matmul_tensor_cores<128>(c, p, op);
      [[fallthrough]];
    default:
      return matmul_cuda_cores(c, p, op);
  }
}

}  // namespace mk
