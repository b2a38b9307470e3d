// The loader's side of MOE_MATVEC: before it streams, it waits on the instruction's own counters (the
// scheduler keeps them: the routing decision must be ordered by them, not by the queue ahead, which
// the loader runs in front of), reads the slot's expert and weight, and moves the weight stream to that
// expert's rows. Only the chosen experts' bytes are streamed.
#pragma once
#include "plan.cuh"
#include "ptx.cuh"
#include "sync.cuh"

namespace mk {

// Lane 0 of the loader warp. False when a wait gave up (abort or watchdog: already reported).
// Out of line: it keeps the loader loop's registers for the common case.
__device__ __noinline__ bool select_expert(Plan& p, const KernelParams& kp) {
  if (p.expertBytes == 0 || p.error != STATUS_OK) return true;
  const Instruction& in = p.inst;
  if (in.wait0Counter != NONE16 && !wait_counter(kp, in.wait0Counter, p.th0, p)) return false;
  if (in.wait1Counter != NONE16 && !wait_counter(kp, in.wait1Counter, p.th1, p)) return false;
  const MoeMatvecOps<Plan> op(p);
  const TRef& route = op.route();
  const uint32_t slot = op.slot();
  if (!present(route) || route.dtype != DTYPE_F32 || route.n < 2ull * (slot + 1) || route.n % 2 != 0) {
    plan_fail(p, STATUS_BAD_EXTENT, op.kSlotRoute);
    return true;
  }
  const uint32_t* words = reinterpret_cast<const uint32_t*>(route.ptr);
  const float e = __uint_as_float(ptx::ld_acquire(words + slot));
  const float w = __uint_as_float(ptx::ld_acquire(words + route.n / 2 + slot));
  const uint32_t expert = uint32_t(e);
  if (!(e >= 0.f) || float(expert) != e || expert >= p.experts) {
    plan_fail(p, STATUS_BAD_EXTENT, 200 + slot);
    return true;
  }
  p.w[0].base += uint64_t(expert) * p.expertBytes;
  p.routeWeight = op.weighted() ? w : 1.f;
  return true;
}

}  // namespace mk
