// The dot product of one weight row staged in shared memory with the staged fp32 vector, by one warp:
// lanes step through float4 columns (4 bf16 weights as one 8-byte word), four accumulator chains.
#pragma once
#include <cstdint>

#include "ptx.cuh"
#include "sync.cuh"

namespace mk {

// acc + 4 bf16 weights (one 8-byte word) . 4 fp32 inputs
__device__ __forceinline__ float dot4(const uint2& w, const float4& x, float acc) {
  acc = fmaf(__uint_as_float(w.x << 16), x.x, acc);
  acc = fmaf(__uint_as_float(w.x & 0xffff0000u), x.y, acc);
  acc = fmaf(__uint_as_float(w.y << 16), x.z, acc);
  return fmaf(__uint_as_float(w.y & 0xffff0000u), x.w, acc);
}

// One warp: the dot product of float4 columns [qb, qe) of the row at shared address `w` with the
// staged vector at `xs`, summed over the warp (every lane gets it).
__device__ __forceinline__ float row_dot(uint32_t w, uint32_t xs, uint32_t qb, uint32_t qe, int lane) {
  float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
  uint32_t q = qb + lane;
  for (; q + 96 < qe; q += 128) {
    const uint2 w0 = ptx::lds_u2(w + q * 8), w1 = ptx::lds_u2(w + (q + 32) * 8);
    const uint2 w2 = ptx::lds_u2(w + (q + 64) * 8), w3 = ptx::lds_u2(w + (q + 96) * 8);
    s0 = dot4(w0, ptx::lds_f4(xs + q * 16), s0);
    s1 = dot4(w1, ptx::lds_f4(xs + (q + 32) * 16), s1);
    s2 = dot4(w2, ptx::lds_f4(xs + (q + 64) * 16), s2);
    s3 = dot4(w3, ptx::lds_f4(xs + (q + 96) * 16), s3);
  }
  for (; q < qe; q += 32) s0 = dot4(ptx::lds_u2(w + q * 8), ptx::lds_f4(xs + q * 16), s0);
  return warp_sum((s0 + s1) + (s2 + s3));
}

}  // namespace mk
