// TMA tensor maps of a program's bf16 tensors, for the tensor-core MATMUL (matmul_plan.cuh): each
// tensor of rank >= 2 seen as a 2-D [rows = shape[0], columns = the rest] matrix, read in boxes of 64
// rows x 64 columns with the 128-byte swizzle. Encoded on the host by the driver's
// cuTensorMapEncodeTiled (reached through the runtime, so the addon needs no -lcuda).
#pragma once
#include <cstdint>
#include <vector>

namespace mk {

constexpr uint32_t kTensorMapBytes = 128;

#ifndef MK_MATMUL_BOX  // rows per tensor copy; a workbench override (-DMK_MATMUL_BOX=8) rebuilds both sides
#define MK_MATMUL_BOX 64
#endif
constexpr uint32_t kTensorMapBoxRows = MK_MATMUL_BOX;

struct TensorMaps {
  std::vector<uint8_t> maps;  // [tensorCount * 128]
  std::vector<uint8_t> ok;    // [tensorCount]: 1 where maps holds a valid map of the tensor
};

// Maps for every descriptor of `table` whose tensor TMA can read (bf16, rank >= 2, 16-byte aligned
// base and row pitch); the others are marked not ok, and MATMUL takes its CUDA-core path for them.
TensorMaps encodeTensorMaps(const uint8_t* table, uint32_t tensorCount, const uint8_t* weights, const uint8_t* state);

}  // namespace mk
