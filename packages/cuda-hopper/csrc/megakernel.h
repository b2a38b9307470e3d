// Host entry points of the megakernel (megakernel.cu).
#pragma once
#include <cuda_runtime.h>

#include <cstddef>

#include "runtime.h"

namespace mk {

size_t megakernel_shared_bytes();
int megakernel_threads();
cudaError_t megakernel_prepare();
cudaError_t megakernel_max_blocks_per_sm(int* blocks);
// Cooperative launch of kp.numQueues blocks; they must all be co-resident (one per SM). tensorCoreMatmul:
// the instance with the tensor-core MATMUL (programs that have MATMUL), else the decode instance.
cudaError_t megakernel_launch(const KernelParams& kp, cudaStream_t stream, bool tensorCoreMatmul);

}  // namespace mk
