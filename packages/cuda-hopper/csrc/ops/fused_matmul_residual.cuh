// FUSED_MATMUL_RESIDUAL: out[r] += scale·(W[r, k0:k0+kc]·x[k0:k0+kc] (+ bias[r] when k0 = 0)): the O and
// down projections with the residual add. An f32 output is added with red.global.add.f32 (split-K
// partners need the atomic; a sole writer gets the same fl(out + v) without the L2 round trip of a
// read-modify-write, which sat on every instruction's critical path); other dtypes read, add, store.
#pragma once
#include "../stream_matvec.cuh"
#include "../vector.cuh"

namespace mk {

__device__ __noinline__ bool op_fused_matmul_residual(Consumer& c, const Plan& p) {
  const FusedMatmulResidualOps op(p);
  const TRef &x = op.x(), &out = op.out(), &bias = op.bias();
  const uint32_t r0 = op.row_start();
  const bool splitK = op.split_k();
  const float scale = op.scale();
  if (!present(out) || out.n < uint64_t(r0) + p.rows || (splitK && out.dtype != DTYPE_F32) ||
      (present(bias) && bias.n < uint64_t(r0) + p.rows)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotOut);
    return false;
  }
  zero_acc(c, p);
  if (!wait_and_stage(c, p, x, p.k0, p.kc, NormSpec{}, TRef{})) return false;
  const bool addBias = present(bias) && p.k0 == 0;
  const float* acc = c.s.acc[0];
#ifdef MK_RESIDUAL_RMW  // workbench: the read-modify-write epilogue measured before 2026-12-01
  const bool addInPlace = splitK;
#else
  const bool addInPlace = splitK || out.dtype == DTYPE_F32;
#endif
  return run_matvec(c, p, [&](uint32_t r, uint32_t i) {
    const uint64_t row = uint64_t(r0) + r;
    const float v = (acc[i] + (addBias ? load_f(bias, row) : 0.f)) * scale;
    if (addInPlace) {
      atomicAdd(reinterpret_cast<float*>(out.ptr) + row, v);
    } else {
      store_f(out, row, load_f(out, row) + v);
    }
  });
}

}  // namespace mk
