// FUSED_NORM_MATMUL: y[r] = W[r]·norm(x) (+ bias[r]); each tile recomputes the norm of x.
#pragma once
#include "../stream_matvec.cuh"
#include "../vector.cuh"

namespace mk {

__device__ __noinline__ bool op_fused_norm_matmul(Consumer& c, const Plan& p) {
  const FusedNormMatmulOps op(p);
  const TRef &x = op.x(), &params = op.norm_params(), &bias = op.bias(), &y = op.y();
  const uint32_t r0 = op.row_start();
  if (!present(y) || y.n < uint64_t(r0) + p.rows || (present(bias) && bias.n < uint64_t(r0) + p.rows)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotY);
    return false;
  }
  zero_acc(c, p);
  if (!wait_and_stage(c, p, x, 0, p.kc, norm_spec(op, op.layer_norm(), true), params)) return false;
  const float* acc = c.s.acc[0];
  return run_matvec(c, p, [&](uint32_t r, uint32_t i) {
    const uint64_t row = uint64_t(r0) + r;
    store_f(y, row, acc[i] + (present(bias) ? load_f(bias, row) : 0.f));
  });
}

}  // namespace mk
