// Compile-time knobs of the persistent megakernel, one place, each with why.
#pragma once
#include <cstdint>

#include "generated/kernel_limits.h"  // KERNEL_LIMITS of src/kernel-limits.ts: the one source of the limits

namespace mk {

struct KernelConfig {
  // 15 consumer warps (with the loader, 512 threads: the 128-register cap of one block per SM).
  static constexpr int kConsumerWarps = 15;
  static constexpr int kConsumerThreads = kConsumerWarps * 32;
  // One loader warp: decodes instructions ahead of the consumers and drives the bulk copy engine.
  static constexpr int kLoaderWarp = kConsumerWarps;
  static constexpr int kThreads = kConsumerThreads + 32;

  // Weight ring: 32 KB stages measured best on the H100 probe (16 KB: +15%, 8 KB: +55%). Depth is
  // what the loader can prefetch while consumers sit in the attention chain (QKV -> attention ->
  // reduce -> O); 5 stages (160 KB per SM) measured the same as 4 on Llama-1B (1.427 vs 1.424 ms):
  // the exposed cost there is round-trip latency, not prefetch depth (GPU-RESULTS.md).
#ifndef MK_STAGES  // workbench overrides (workbench/build-variants.sh name=:-DMK_STAGES=10 -DMK_STAGE_KB=16)
#define MK_STAGES 5
#endif
#ifndef MK_STAGE_KB
#define MK_STAGE_KB 32
#endif
  static constexpr int kStages = MK_STAGES;
  static constexpr uint32_t kStageBytes = MK_STAGE_KB * 1024;

  // Decoded instructions the loader may run ahead of the consumers (bounded by the ring anyway).
  static constexpr int kPlans = 8;

  // The staged input vector (fp32): K up to 8192 per instruction (hidden sizes to 8192; larger
  // inputs, such as an unsplit 14336-wide down projection, must be split along K by the scheduler).
  static constexpr uint32_t kMaxVector = KERNEL_MAX_VECTOR;
  // Output rows accumulated per row block (per matrix; the gated MLP streams two matrices).
  static constexpr uint32_t kRowBlock = 2048;

  // Attention: heads of one KV group handled per pass (registers), and the largest head_dim.
  static constexpr int kAttnHeadsPerPass = 4;
  static constexpr int kAttnMaxHeadDim = KERNEL_MAX_HEAD_DIM;

  // Norm parameters and the input vector held in registers before the dependency wait:
  // 4-element groups per consumer thread, so vectors up to 480 * 4 * 4 = 7,680 take the fast path
  // (kConsumerThreads = 480; longer ones, to kMaxVector, take the general path of vector.cuh).
  static constexpr int kNormGroupsPerThread = 4;

  // Named barrier for the consumer warps only (0 is __syncthreads).
  static constexpr int kConsumerBarrier = 1;
};

using Cfg = KernelConfig;

}  // namespace mk
