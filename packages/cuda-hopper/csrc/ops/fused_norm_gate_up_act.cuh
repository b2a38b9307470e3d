// FUSED_NORM_GATE_UP_ACT: out[r] = act(gate[r]·n + bg[r]) * (up[r]·n + bu[r]) when gated, else
// act(up[r]·n + bu[r]), n = norm(x). The gate and up tiles stream back to back through the ring.
#pragma once
#include "../activations.cuh"
#include "../stream_matvec.cuh"
#include "../vector.cuh"

namespace mk {

__device__ __noinline__ bool op_fused_norm_gate_up_act(Consumer& c, const Plan& p) {
  const FusedNormGateUpActOps op(p);
  const TRef &x = op.x(), &params = op.norm_params(), &gb = op.gate_bias(), &ub = op.up_bias(), &out = op.out();
  const uint32_t r0 = op.row_start();
  const bool gated = op.gated();
  const uint8_t act = op.activation();
  if (!present(out) || out.n < uint64_t(r0) + p.rows || (present(gb) && gb.n < uint64_t(r0) + p.rows) ||
      (present(ub) && ub.n < uint64_t(r0) + p.rows)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotOut);
    return false;
  }
  zero_acc(c, p);
  if (!wait_and_stage(c, p, x, 0, p.kc, norm_spec(op, op.layer_norm(), true), params)) return false;
  const float* a0 = c.s.acc[0];
  const float* a1 = c.s.acc[1];
  return run_matvec(c, p, [&](uint32_t r, uint32_t i) {
    const uint64_t row = uint64_t(r0) + r;
    const float up = (gated ? a1[i] : a0[i]) + (present(ub) ? load_f(ub, row) : 0.f);
    float v;
    if (gated) {
      const float g = a0[i] + (present(gb) ? load_f(gb, row) : 0.f);
      v = activate(act, g) * up;
    } else {
      v = activate(act, up);
    }
    store_f(out, row, v);
  });
}

}  // namespace mk
