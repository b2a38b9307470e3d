// Host side of tensor_maps.h.
#include <cuda.h>  // CUtensorMap and its enums only: the encoder comes through the runtime
#include <cudaTypedefs.h>
#include <cuda_runtime.h>

#include <cstring>

#include "generated/isa.h"
#include "tensor_maps.h"

namespace mk {

namespace {

using EncodeTiled = PFN_cuTensorMapEncodeTiled_v12000;

EncodeTiled encoder() {
  static const EncodeTiled fn = [] {
    void* p = nullptr;
    cudaDriverEntryPointQueryResult q;
    const bool ok = cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &p, 12000, cudaEnableDefault, &q) ==
                        cudaSuccess &&
                    q == cudaDriverEntryPointSuccess;
    if (!ok) cudaGetLastError();
    return ok ? reinterpret_cast<EncodeTiled>(p) : nullptr;
  }();
  return fn;
}

}  // namespace

static_assert(sizeof(CUtensorMap) == kTensorMapBytes, "a CUtensorMap is 128 bytes");

TensorMaps encodeTensorMaps(const uint8_t* table, uint32_t tensorCount, const uint8_t* weights, const uint8_t* state) {
  TensorMaps out;
  out.maps.assign(size_t(tensorCount) * kTensorMapBytes, 0);
  out.ok.assign(tensorCount, 0);
  const EncodeTiled encode = encoder();
  if (!encode) return out;  // an old driver: every MATMUL takes the CUDA-core path
  for (uint32_t i = 0; i < tensorCount; ++i) {
    const TensorDesc d = load_tensor_desc(table + size_t(i) * TENSOR_DESC_BYTES);
    if (d.dtype != DTYPE_BF16 || d.rank < 2 || d.shape[0] == 0) continue;
    const uint8_t* base = (d.region == REGION_WEIGHTS ? weights : state);
    if (!base) continue;
    const uint64_t rows = d.shape[0], cols = tensor_elements(d) / rows;
    const uint8_t* addr = base + d.byteOffset;
    if ((reinterpret_cast<uintptr_t>(addr) & 15u) || (cols * 2) % 16 || cols >= (1ull << 32) || rows >= (1ull << 32))
      continue;
    CUtensorMap map;
    const cuuint64_t dims[2] = {cols, rows};
    const cuuint64_t strides[1] = {cols * 2};
    // 64 columns (one 128-byte swizzle row) by kTensorMapBoxRows rows. Rows past the tensor arrive as
    // zeros; rows past an instruction's tile are loaded and not stored.
    const cuuint32_t box[2] = {64, kTensorMapBoxRows};
    const cuuint32_t elementStrides[2] = {1, 1};
    const CUresult r = encode(&map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, const_cast<uint8_t*>(addr), dims, strides, box,
                              elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                              CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (r != CUDA_SUCCESS) continue;
    std::memcpy(out.maps.data() + size_t(i) * kTensorMapBytes, &map, kTensorMapBytes);
    out.ok[i] = 1;
  }
  return out;
}

}  // namespace mk
