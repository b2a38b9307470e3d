// MATVEC: y[r] (+)= W[r, k0:k0+kc]·x[k0:k0+kc] (+ bias[r] when k0 = 0) for the tile's rows.
#pragma once
#include "../stream_matvec.cuh"
#include "../vector.cuh"

namespace mk {

__device__ __noinline__ bool op_matvec(Consumer& c, const Plan& p) {
  const TRef &x = p.t[0], &y = p.t[2], &bias = p.t[3];
  const uint32_t r0 = p.inst.a0;
  if (!present(y) || y.n < uint64_t(r0) + p.rows || (present(bias) && bias.n < uint64_t(r0) + p.rows)) {
    c.fail(p, STATUS_BAD_EXTENT, 2);
    return false;
  }
  zero_acc(c, p);
  if (!wait_and_stage(c, p, x, p.k0, p.kc, NormSpec{}, TRef{})) return false;
  const bool accumulate = p.inst.flags & FLAG_ACCUMULATE;
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
