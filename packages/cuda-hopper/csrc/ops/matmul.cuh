// MATMUL and token rows (prefill, issue 10): in this version the CPU VM runs prefill programs and the
// backend refuses them before launch; the kernel refuses them too, in the loader's plan, so that a
// program that slips past the host stops with STATUS_UNSUPPORTED instead of running token 0 only.
// The tensor-core product of a token range is the GPU half of prefill, still to come.
#pragma once
#include "../generated/isa.h"

namespace mk {

__device__ __forceinline__ bool prefill_instruction(const Instruction& in) {
  return in.opcode == OP_MATMUL || in.token != 0;
}

}  // namespace mk
