// RMS_NORM and LAYER_NORM over a whole vector: staged and normalised in shared memory as the fused
// ops do, then stored.
#pragma once
#include "../vector.cuh"

namespace mk {

// RMS_NORM and LAYER_NORM name the same operands (slots, noWeight; both read eps from f0):
// RmsNormOps reads both.
static_assert(RmsNormOps<Plan>::kSlotX == LayerNormOps<Plan>::kSlotX &&
                  RmsNormOps<Plan>::kSlotNormParams == LayerNormOps<Plan>::kSlotNormParams &&
                  RmsNormOps<Plan>::kSlotY == LayerNormOps<Plan>::kSlotY &&
                  RmsNormOps<Plan>::kFlagNoWeight == LayerNormOps<Plan>::kFlagNoWeight,
              "RMS_NORM and LAYER_NORM operands differ: op_norm reads both through RmsNormOps");

__device__ __noinline__ bool op_norm(Consumer& c, const Plan& p, bool layer) {
  const RmsNormOps op(p);
  const TRef &x = op.x(), &params = op.norm_params(), &y = op.y();
  if (!present(x) || !present(y) || x.n > Cfg::kMaxVector || y.n < x.n) {
    c.fail(p, present(x) && x.n > Cfg::kMaxVector ? STATUS_UNSUPPORTED : STATUS_BAD_EXTENT, op.kSlotX);
    return false;
  }
  const NormSpec ns = norm_spec(op, layer, true);  // the opcode, not a flag, says which norm
  const uint32_t n = uint32_t(x.n);
  if (!wait_and_stage(c, p, x, 0, n, ns, params)) return false;
  for (uint32_t i = c.tid; i < n; i += Cfg::kConsumerThreads) store_f(y, i, c.s.xs[i]);
  return true;
}

}  // namespace mk
