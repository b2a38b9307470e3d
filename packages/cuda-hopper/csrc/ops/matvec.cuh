// MATVEC: y[r] (+)= W[r, k0:k0+kc]·x[k0:k0+kc] (+ bias[r] when k0 = 0) for the tile's rows; and MOE_MATVEC,
// the same on the expert its routing slot names, times the slot's weight: the loader already streams
// that expert's rows (select_expert, expert_select.cuh) and put the weight in the plan (1 otherwise).
#pragma once
#include "../stream_matvec.cuh"
#include "../vector.cuh"

namespace mk {

static_assert(MatvecOps<Plan>::kSlotX == MoeMatvecOps<Plan>::kSlotX &&
                  MatvecOps<Plan>::kSlotY == MoeMatvecOps<Plan>::kSlotY &&
                  MatvecOps<Plan>::kFlagAccumulate == MoeMatvecOps<Plan>::kFlagAccumulate,
              "op_matvec reads MOE_MATVEC through MATVEC's x, y and accumulate");

__device__ __noinline__ bool op_matvec(Consumer& c, const Plan& p) {
  const MatvecOps op(p);
  const bool expert = p.inst.opcode == OP_MOE_MATVEC;  // slot 3 is its route, not a bias
  const TRef &x = op.x(), &y = op.y(), &bias = op.bias();
  const bool hasBias = !expert && present(bias);
  const uint32_t r0 = op.row_start();
  if (!present(y) || y.n < uint64_t(r0) + p.rows || (hasBias && bias.n < uint64_t(r0) + p.rows)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotY);
    return false;
  }
  zero_acc(c, p);
  if (!wait_and_stage(c, p, x, p.k0, p.kc, NormSpec{}, TRef{})) return false;
  const bool accumulate = op.accumulate();
  const bool addBias = hasBias && p.k0 == 0;
  const float scale = p.routeWeight;
  const float* acc = c.s.acc[0];
  return run_matvec(c, p, [&](uint32_t r, uint32_t i) {
    const uint64_t row = uint64_t(r0) + r;
    float v = scale * acc[i] + (addBias ? load_f(bias, row) : 0.f);
    if (accumulate) v += load_f(y, row);
    store_f(y, row, v);
  });
}

}  // namespace mk
