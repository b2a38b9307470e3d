// NOOP and BARRIER: nothing but the instruction's waits (its signal follows in the dispatcher).
#pragma once
#include "../sync.cuh"

namespace mk {

__device__ __noinline__ bool op_noop(Consumer& c, const Plan& p) { return c.wait_deps(p); }

}  // namespace mk
