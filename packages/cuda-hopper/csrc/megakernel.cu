// The persistent megakernel: one block per SM (cooperative launch), each running its own queue for
// `steps` decode steps. Warp 16 is the loader; warps 0-15 are consumers that wait on dependency
// counters, compute, store and signal.
#include <cuda_runtime.h>

#include "config.cuh"
#include "loader.cuh"
#include "megakernel.h"
#include "ops/argmax.cuh"
#include "ops/attention_partial.cuh"
#include "ops/attention_reduce.cuh"
#include "ops/copy.cuh"
#include "ops/elementwise.cuh"
#include "ops/embed_gather.cuh"
#include "ops/fused_matmul_residual.cuh"
#include "ops/fused_norm_gate_up_act.cuh"
#include "ops/fused_norm_lm_head_argmax.cuh"
#include "ops/fused_norm_matmul.cuh"
#include "ops/fused_norm_qkv_rope.cuh"
#include "ops/matvec.cuh"
#include "ops/noop.cuh"
#include "ops/norm.cuh"
#include "ops/rope_embed.cuh"

namespace mk {

__device__ __forceinline__ bool dispatch(Consumer& c, const Plan& p) {
  switch (p.inst.opcode) {
    case OP_FUSED_NORM_QKV_ROPE: return op_fused_norm_qkv_rope(c, p);
    case OP_FUSED_MATMUL_RESIDUAL: return op_fused_matmul_residual(c, p);
    case OP_FUSED_NORM_GATE_UP_ACT: return op_fused_norm_gate_up_act(c, p);
    case OP_FUSED_NORM_LM_HEAD_ARGMAX: return op_fused_norm_lm_head_argmax(c, p);
    case OP_ATTENTION_PARTIAL: return op_attention_partial(c, p);
    case OP_ATTENTION_REDUCE: return op_attention_reduce(c, p);
    case OP_EMBED_GATHER: return op_embed_gather(c, p);
    case OP_NOOP:
    case OP_BARRIER: return op_noop(c, p);
    case OP_COPY: return op_copy(c, p);
    case OP_ZERO: return op_zero(c, p);
    case OP_CACHE_APPEND: return op_cache_append(c, p);
    case OP_MATVEC: return op_matvec(c, p);
    case OP_FUSED_NORM_MATMUL: return op_fused_norm_matmul(c, p);
    case OP_RMS_NORM: return op_norm(c, p, false);
    case OP_LAYER_NORM: return op_norm(c, p, true);
    case OP_ROPE_EMBED: return op_rope_embed(c, p);
    case OP_ARGMAX: return op_argmax(c, p);
    case OP_SILU:
    case OP_GELU:
    case OP_RELU:
    case OP_SWIGLU:
    case OP_GEGLU:
    case OP_GELU_TANH:
    case OP_ADD:
    case OP_MUL:
    case OP_RESIDUAL_ADD:
    case OP_SCALE:
    case OP_ELEMWISE_MUL_ADD: return op_elementwise(c, p);
    default:
      c.fail(p, STATUS_BAD_OPCODE, p.inst.opcode);
      return false;
  }
}

__device__ __forceinline__ void run_consumer(const KernelParams& kp, SharedStorage& s, int tid) {
  Consumer c{kp, s, tid, tid / 32, tid % 32, 0, kp.timings != nullptr, 0};
  const uint32_t qlen = kp.queueLen[blockIdx.x];
  InstrTiming* timings =
      kp.timings ? kp.timings + size_t(blockIdx.x) * kp.steps * kp.maxQueueLen : nullptr;
  uint32_t gi = 0;
  for (uint32_t step = 0; step < kp.steps; ++step) {
    for (uint32_t i = 0; i < qlen; ++i, ++gi) {
      const uint32_t slot = gi % Cfg::kPlans;
      if (!wait_mbar(&s.planFull[slot], (gi / Cfg::kPlans) & 1u, kp)) return;
      const Plan& p = s.plans[slot];
      if (p.error != STATUS_OK) return;
      const uint64_t t0 = (timings && tid == 0) ? ptx::globaltimer() : 0;
      c.waitDone = t0;
      if (!dispatch(c, p)) return;
      c.signal(p);
      if (tid == 0) {
        if (timings) {
          const uint64_t t1 = ptx::globaltimer();
          timings[size_t(step) * kp.maxQueueLen + i] = InstrTiming{t0, uint32_t(c.waitDone - t0), uint32_t(t1 - t0)};
        }
        ptx::mbar_arrive(&s.planEmpty[slot]);
      }
    }
  }
}

__global__ void __launch_bounds__(Cfg::kThreads, 1) megakernel(const __grid_constant__ KernelParams kp) {
  extern __shared__ __align__(1024) uint8_t smem[];
  SharedStorage& s = *reinterpret_cast<SharedStorage*>(smem);
  if (blockIdx.x >= kp.numQueues) return;
  if (threadIdx.x == 0) {
    for (int i = 0; i < Cfg::kStages; ++i) {
      ptx::mbar_init(&s.full[i], 1);
      ptx::mbar_init(&s.empty[i], Cfg::kConsumerWarps);
    }
    for (int i = 0; i < Cfg::kPlans; ++i) {
      ptx::mbar_init(&s.planFull[i], 1);
      ptx::mbar_init(&s.planEmpty[i], 1);
    }
    ptx::mbar_init_fence();
  }
  __syncthreads();
  const int warp = threadIdx.x / 32;
  if (warp == Cfg::kLoaderWarp) {
    run_loader(kp, s, threadIdx.x % 32);
  } else {
    run_consumer(kp, s, threadIdx.x);
  }
}

}  // namespace mk

namespace mk {

size_t megakernel_shared_bytes() { return kSharedBytes; }
int megakernel_threads() { return Cfg::kThreads; }

cudaError_t megakernel_prepare() {
  return cudaFuncSetAttribute(megakernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(kSharedBytes));
}

cudaError_t megakernel_max_blocks_per_sm(int* blocks) {
  return cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks, megakernel, Cfg::kThreads, kSharedBytes);
}

cudaError_t megakernel_launch(const KernelParams& kp, cudaStream_t stream) {
  void* args[] = {const_cast<KernelParams*>(&kp)};
  return cudaLaunchCooperativeKernel(reinterpret_cast<void*>(megakernel), dim3(kp.numQueues), dim3(Cfg::kThreads), args,
                                     kSharedBytes, stream);
}

}  // namespace mk
