// Pointwise activations in fp32, as the ISA's activation codes define them.
#pragma once
#include <cstdint>

#include "generated/isa.h"

namespace mk {

__device__ __forceinline__ float act_silu(float x) { return x / (1.f + __expf(-x)); }
__device__ __forceinline__ float act_gelu(float x) { return 0.5f * x * (1.f + erff(x * 0.70710678118654752f)); }
__device__ __forceinline__ float act_gelu_tanh(float x) {
  return 0.5f * x * (1.f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
}
__device__ __forceinline__ float act_relu(float x) { return (x > 0.f || isnan(x)) ? x : 0.f; }

__device__ __forceinline__ float activate(uint8_t code, float x) {
  switch (code) {
    case ACT_SILU:
      return act_silu(x);
    case ACT_GELU:
      return act_gelu(x);
    case ACT_GELU_TANH:
      return act_gelu_tanh(x);
    default:
      return act_relu(x);
  }
}

}  // namespace mk
