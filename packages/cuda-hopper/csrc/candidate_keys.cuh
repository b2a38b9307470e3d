// The device sampler's candidate keys (argmax keys, argmax_key.cuh): each LM head tile keeps its 64
// largest for SAMPLE. Sorted in shared memory (the row accumulators, free once a matvec's epilogue
// has run) by a block-wide bitonic sort, largest first.
#pragma once
#include <cstdint>

#include "argmax_key.cuh"
#include "tensor_ref.cuh"

namespace mk {

constexpr uint32_t kCandidates = 64;    // keys per list (ISA: CANDIDATES_PER_LIST)
constexpr uint32_t kSortCapacity = 1024;  // keys one sort holds: 8 KB, acc[0]

__device__ __forceinline__ unsigned long long* sort_buffer(Consumer& c) {
  return reinterpret_cast<unsigned long long*>(&c.s.acc[0][0]);
}
static_assert(sizeof(float) * Cfg::kRowBlock >= kSortCapacity * 8, "the sort buffer must fit in acc[0]");

// The smallest power of two >= n (at least 2, at most kSortCapacity).
__device__ __forceinline__ uint32_t sort_size(uint32_t n) {
  uint32_t s = 2;
  while (s < n && s < kSortCapacity) s <<= 1;
  return s;
}

// Sorts keys[0, n) (n a power of two) largest first; every consumer thread calls it; ends synced.
__device__ inline void sort_keys_descending(Consumer& c, unsigned long long* keys, uint32_t n) {
  for (uint32_t k = 2; k <= n; k <<= 1) {
    for (uint32_t j = k >> 1; j > 0; j >>= 1) {
      for (uint32_t i = c.tid; i < n; i += Cfg::kConsumerThreads) {
        const uint32_t l = i ^ j;
        if (l > i) {
          const unsigned long long a = keys[i], b = keys[l];
          const bool descending = (i & k) == 0;
          if (descending ? a < b : a > b) {
            keys[i] = b;
            keys[l] = a;
          }
        }
      }
      c.sync();
    }
  }
}

// The 64 largest keys of logits[lbase + r0 .. lbase + r0 + rows) (row ids r0 ..; NaN and `suppress`
// never kept) into out[0, 64), 0 where the tile has fewer. Rows stream through the sort buffer in
// rounds, each keeping the best 64 so far.
__device__ __noinline__ void keep_largest_keys(Consumer& c, const TRef& logits, uint64_t lbase, uint32_t r0,
                                               uint32_t rows, uint32_t suppress, unsigned long long* out) {
  unsigned long long* buf = sort_buffer(c);
  const uint32_t n = sort_size(rows);
  uint32_t next = 0, keep = 0;
  c.sync();  // the epilogue's last reads of acc are done
  do {
    const uint32_t take = min(rows - next, n - keep);
    for (uint32_t i = c.tid; i < n - keep; i += Cfg::kConsumerThreads) {
      unsigned long long k = 0;
      if (i < take) {
        const uint32_t row = r0 + next + i;
        const float v = load_f(logits, lbase + row);
        if (row != suppress && !isnan(v)) k = argmax_key(v, row);
      }
      buf[keep + i] = k;
    }
    c.sync();
    sort_keys_descending(c, buf, n);
    next += take;
    keep = min(kCandidates, n);
  } while (next < rows);
  for (uint32_t i = c.tid; i < kCandidates; i += Cfg::kConsumerThreads) __stcg(out + i, i < n ? buf[i] : 0ull);
  c.sync();  // acc is the next instruction's again
}

}  // namespace mk
