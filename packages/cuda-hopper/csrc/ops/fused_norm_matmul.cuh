// FUSED_NORM_MATMUL: y[r] = W[r]·norm(x) (+ bias[r]); each tile recomputes the norm of x.
#pragma once
#include "../stream_matvec.cuh"
#include "../vector.cuh"

namespace mk {

__device__ __noinline__ bool op_fused_norm_matmul(Consumer& c, const Plan& p) {
  const TRef &x = p.t[0], &params = p.t[1], &bias = p.t[3], &y = p.t[4];
  const uint32_t r0 = p.inst.a0;
  if (!present(y) || y.n < uint64_t(r0) + p.rows || (present(bias) && bias.n < uint64_t(r0) + p.rows)) {
    c.fail(p, STATUS_BAD_EXTENT, 4);
    return false;
  }
  zero_acc(c, p);
  if (!wait_and_stage(c, p, x, 0, p.kc, norm_spec(p, params, true), params)) return false;
  const float* acc = c.s.acc[0];
  return run_matvec(c, p, [&](uint32_t r, uint32_t i) {
    const uint64_t row = uint64_t(r0) + r;
    store_f(y, row, acc[i] + (present(bias) ? load_f(bias, row) : 0.f));
  });
}

}  // namespace mk
