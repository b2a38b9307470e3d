// MATVEC: y[r] (+)= W[r, k0:k0+kc]·x[k0:k0+kc] (+ bias[r] when k0 = 0) for the tile's rows.
#pragma once
#include "../stream_matvec.cuh"
#include "../vector.cuh"

namespace mk {

__device__ __noinline__ bool op_matvec(Consumer& c, const Plan& p) {
  const MatvecOps op(p);
  const TRef &x = op.x(), &y = op.y(), &bias = op.bias();
  const uint32_t r0 = op.row_start();
  if (!present(y) || y.n < uint64_t(r0) + p.rows || (present(bias) && bias.n < uint64_t(r0) + p.rows)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotY);
    return false;
  }
  zero_acc(c, p);
  if (!wait_and_stage(c, p, x, p.k0, p.kc, NormSpec{}, TRef{})) return false;
  const bool accumulate = op.accumulate();
  const bool addBias = present(bias) && p.k0 == 0;
  const float* acc = c.s.acc[0];
  return run_matvec(c, p, [&](uint32_t r, uint32_t i) {
    const uint64_t row = uint64_t(r0) + r;
    float v = acc[i] + (addBias ? load_f(bias, row) : 0.f);
    if (accumulate) v += load_f(y, row);
    store_f(y, row, v);
  });
}

}  // namespace mk
