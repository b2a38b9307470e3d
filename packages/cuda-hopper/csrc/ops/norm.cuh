// RMS_NORM and LAYER_NORM over a whole vector: staged and normalised in shared memory as the fused
// ops do, then stored.
#pragma once
#include "../vector.cuh"

namespace mk {

__device__ __noinline__ bool op_norm(Consumer& c, const Plan& p, bool layer) {
  const TRef &x = p.t[0], &params = p.t[1], &y = p.t[2];
  if (!present(x) || !present(y) || x.n > Cfg::kMaxVector || y.n < x.n) {
    c.fail(p, present(x) && x.n > Cfg::kMaxVector ? STATUS_UNSUPPORTED : STATUS_BAD_EXTENT, 0);
    return false;
  }
  NormSpec ns = norm_spec(p, params, true);
  ns.layer = layer;  // the opcode, not the flag, says which norm
  ns.beta = ns.gamma && layer && params.rank == 2 && params.shape[0] >= 2;
  const uint32_t n = uint32_t(x.n);
  if (!wait_and_stage(c, p, x, 0, n, ns, params)) return false;
  for (uint32_t i = c.tid; i < n; i += Cfg::kConsumerThreads) store_f(y, i, c.s.xs[i]);
  return true;
}

}  // namespace mk
