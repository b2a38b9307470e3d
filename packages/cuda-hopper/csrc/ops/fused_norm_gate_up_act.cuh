// FUSED_NORM_GATE_UP_ACT: out[r] = act(gate[r]·n + bg[r]) * (up[r]·n + bu[r]) when gated, else
// act(up[r]·n + bu[r]), n = norm(x). The gate and up tiles stream back to back through the ring.
#pragma once
#include "../activations.cuh"
#include "../stream_matvec.cuh"
#include "../vector.cuh"

namespace mk {

__device__ __noinline__ bool op_fused_norm_gate_up_act(Consumer& c, const Plan& p) {
  const TRef &x = p.t[0], &params = p.t[1], &gb = p.t[4], &ub = p.t[5], &out = p.t[6];
  const uint32_t r0 = p.inst.a0;
  const bool gated = p.inst.flags & FLAG_GATED;
  const uint8_t act = activation_code(p.inst.flags);
  if (!present(out) || out.n < uint64_t(r0) + p.rows || (present(gb) && gb.n < uint64_t(r0) + p.rows) ||
      (present(ub) && ub.n < uint64_t(r0) + p.rows)) {
    c.fail(p, STATUS_BAD_EXTENT, 6);
    return false;
  }
  zero_acc(c, p);
  if (!wait_and_stage(c, p, x, 0, p.kc, norm_spec(p, params, true), params)) return false;
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
