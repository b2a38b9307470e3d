// The 64-bit argmax key the LM head folds with an atomic max: (orderedBits(logit) << 32) |
// (0xFFFFFFFF - row). Larger logits win; on ties the smaller row wins, as torch.argmax. Stored as
// two u32, low word first, i.e. a little-endian u64.
#pragma once
#include <cstdint>

#include "sync.cuh"

namespace mk {

__device__ __forceinline__ uint32_t ordered_bits(float v) {
  const uint32_t b = __float_as_uint(v);
  return (b & 0x80000000u) ? ~b : (b ^ 0x80000000u);
}
__device__ __forceinline__ unsigned long long argmax_key(float v, uint32_t row) {
  return (static_cast<unsigned long long>(ordered_bits(v)) << 32) | (0xffffffffu - row);
}

// Block-wide max of each consumer thread's key, folded into the global key with one atomic.
__device__ inline void fold_argmax(Consumer& c, unsigned long long key, unsigned long long* global) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const unsigned long long other = __shfl_xor_sync(0xffffffffu, key, o);
    key = other > key ? other : key;
  }
  if (c.lane == 0) c.s.keys[c.warp] = key;
  c.sync();
  if (c.tid == 0) {
    unsigned long long best = 0;
    for (int w = 0; w < Cfg::kConsumerWarps; ++w) best = c.s.keys[w] > best ? c.s.keys[w] : best;
    if (best != 0) atomicMax(global, best);
  }
}

}  // namespace mk
