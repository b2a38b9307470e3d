// A resolved tensor operand (address, dtype, shape) and scalar loads/stores in any table dtype.
// Activations written during the launch are read with ld.global.cg (L2, never a stale L1 line);
// weights are immutable and read through the non-coherent cache.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "generated/isa.h"

namespace mk {

struct TRef {
  uint8_t* ptr;        // null when the slot is empty
  uint64_t n;          // element count
  uint32_t shape[4];   // 1 past rank
  uint8_t dtype;
  uint8_t rank;
  uint8_t region;
  uint8_t flags;  // TENSOR_FLAG_* of the descriptor (TOKEN_AXIS: a prefill token axis)
  uint32_t pad2;
};

__device__ __forceinline__ bool present(const TRef& t) { return t.ptr != nullptr; }

__device__ __forceinline__ float bf16_bits_to_f32(uint32_t bits16) { return __uint_as_float(bits16 << 16); }

__device__ __forceinline__ float load_f(const TRef& t, uint64_t i) {
  const bool weight = t.region == REGION_WEIGHTS;
  switch (t.dtype) {
    case DTYPE_F32: {
      const float* p = reinterpret_cast<const float*>(t.ptr) + i;
      return weight ? __ldg(p) : __ldcg(p);
    }
    case DTYPE_BF16: {
      const unsigned short* p = reinterpret_cast<const unsigned short*>(t.ptr) + i;
      return bf16_bits_to_f32(weight ? __ldg(p) : __ldcg(p));
    }
    case DTYPE_F16: {
      const unsigned short* p = reinterpret_cast<const unsigned short*>(t.ptr) + i;
      return __half2float(__ushort_as_half(weight ? __ldg(p) : __ldcg(p)));
    }
    case DTYPE_I32:
      return static_cast<float>(__ldcg(reinterpret_cast<const int*>(t.ptr) + i));
    default:
      return static_cast<float>(__ldcg(reinterpret_cast<const unsigned*>(t.ptr) + i));
  }
}

__device__ __forceinline__ void store_f(const TRef& t, uint64_t i, float v) {
  switch (t.dtype) {
    case DTYPE_F32:
      __stcg(reinterpret_cast<float*>(t.ptr) + i, v);
      break;
    case DTYPE_BF16:
      __stcg(reinterpret_cast<unsigned short*>(t.ptr) + i, __bfloat16_as_ushort(__float2bfloat16_rn(v)));
      break;
    case DTYPE_F16:
      __stcg(reinterpret_cast<unsigned short*>(t.ptr) + i, __half_as_ushort(__float2half_rn(v)));
      break;
    case DTYPE_I32:
      __stcg(reinterpret_cast<int*>(t.ptr) + i, static_cast<int>(v));
      break;
    default:
      __stcg(reinterpret_cast<unsigned*>(t.ptr) + i, static_cast<unsigned>(v));
      break;
  }
}

// Raw 32-bit element copy for same-dtype integer tensors (no float round trip).
__device__ __forceinline__ uint32_t load_bits32(const TRef& t, uint64_t i) {
  return __ldcg(reinterpret_cast<const unsigned*>(t.ptr) + i);
}

__device__ __forceinline__ bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// 8 bf16 packed in a uint4 -> 8 floats (exact: bf16 is the top half of an f32).
__device__ __forceinline__ void bf16x8_to_f32(const uint4& v, float* f) {
  f[0] = __uint_as_float(v.x << 16);
  f[1] = __uint_as_float(v.x & 0xffff0000u);
  f[2] = __uint_as_float(v.y << 16);
  f[3] = __uint_as_float(v.y & 0xffff0000u);
  f[4] = __uint_as_float(v.z << 16);
  f[5] = __uint_as_float(v.z & 0xffff0000u);
  f[6] = __uint_as_float(v.w << 16);
  f[7] = __uint_as_float(v.w & 0xffff0000u);
}

}  // namespace mk
