// ARGMAX: folds a tile of logits into the argmax key of pos (atomic max of the 64-bit key). SAMPLE
// comes through here too (megakernel.cu).
#pragma once
#include "../argmax_key.cuh"
#include "sample.cuh"

namespace mk {

__device__ __noinline__ bool op_argmax(Consumer& c, const Plan& p) {
  if (p.inst.opcode == OP_SAMPLE) return op_sample(c, p);
  const ArgmaxOps op(p);
  const TRef &logits = op.logits(), &am = op.argmax();
  const uint32_t r0 = op.row_start(), R = op.row_count(), suppress = op.suppress_token(), pos = p.pos;
  if (!present(logits) || !present(am) || logits.n < uint64_t(r0) + R || am.n < 2ull * (pos + 1) ||
      (reinterpret_cast<uintptr_t>(am.ptr) & 7u)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotLogits);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  unsigned long long best = 0;
  for (uint32_t r = r0 + c.tid; r < r0 + R; r += Cfg::kConsumerThreads) {
    if (r == suppress) continue;
    const float v = load_f(logits, r);
    if (isnan(v)) continue;  // NaN never wins
    const unsigned long long k = argmax_key(v, r);
    best = k > best ? k : best;
  }
  fold_argmax(c, best, reinterpret_cast<unsigned long long*>(am.ptr) + pos);
  return true;
}

}  // namespace mk
