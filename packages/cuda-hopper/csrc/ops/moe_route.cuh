// MOE_ROUTE: the router's logits into the routing decision: the topK most probable experts of
// softmax(logits) (ties: the lower index) and their probabilities, renormalised over them when asked.
// One warp: E is small (8 for Mixtral) and the decision is one instruction per layer.
#pragma once
#include "../sync.cuh"
#include "../tensor_ref.cuh"

namespace mk {

__device__ __noinline__ bool op_moe_route(Consumer& c, const Plan& p) {
  const MoeRouteOps op(p);
  const TRef &logits = op.logits(), &route = op.route();
  const uint32_t k = op.top_k();
  const uint32_t E = present(logits) ? uint32_t(logits.n) : 0;
  if (!present(route) || E == 0 || k == 0 || k > E || route.n < 2ull * k || logits.dtype != DTYPE_F32 ||
      route.dtype != DTYPE_F32) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotRoute);
    return false;
  }
  if (E > 128 || k > 32) {  // the chosen set is a 128-bit mask, one choice per lane
    c.fail(p, STATUS_UNSUPPORTED, E);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  if (c.warp == 0) {
    float m = -INFINITY;
    for (uint32_t e = c.lane; e < E; e += 32) m = fmaxf(m, load_f(logits, e));
    m = warp_max(m);
    float sum = 0.f;
    for (uint32_t e = c.lane; e < E; e += 32) sum += expf(load_f(logits, e) - m);
    sum = warp_sum(sum);
    // k rounds of "the most probable expert not chosen yet", the lower index on ties.
    float chosen = 0.f;
    uint32_t taken[4] = {0, 0, 0, 0};  // bit per expert
    float mine = 0.f;                  // lane j keeps the j-th choice's probability
    for (uint32_t j = 0; j < k; ++j) {
      float best = -1.f;
      uint32_t bestE = 0xffffffffu;
      for (uint32_t e = c.lane; e < E; e += 32) {
        if ((taken[e >> 5] >> (e & 31)) & 1u) continue;
        const float pe = expf(load_f(logits, e) - m) / sum;
        if (pe > best || (pe == best && e < bestE)) {
          best = pe;
          bestE = e;
        }
      }
      for (int o = 16; o > 0; o >>= 1) {
        const float ob = __shfl_xor_sync(0xffffffffu, best, o);
        const uint32_t oe = __shfl_xor_sync(0xffffffffu, bestE, o);
        if (ob > best || (ob == best && oe < bestE)) {
          best = ob;
          bestE = oe;
        }
      }
      taken[bestE >> 5] |= 1u << (bestE & 31);
      chosen += best;
      if (c.lane == j) mine = best;
      if (c.lane == 0) store_f(route, j, float(bestE));
    }
    if (c.lane < k) store_f(route, k + c.lane, op.normalize() ? mine / chosen : mine);
  }
  return true;
}

}  // namespace mk
