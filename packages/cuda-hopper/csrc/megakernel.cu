// The persistent megakernel: one block per SM (cooperative launch), each running its own queue for
// `steps` decode steps. Warp 15 (Cfg::kLoaderWarp) is the loader; warps 0-14 (Cfg::kConsumerWarps)
// are consumers that wait on dependency counters, compute, store and signal.
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
#include "ops/head_rms_norm.cuh"
#include "ops/matmul.cuh"
#include "ops/matvec.cuh"
#include "ops/noop.cuh"
#include "ops/norm.cuh"
#include "ops/rope_embed.cuh"

namespace mk {

// A new op joins an existing case where it can (MOE_MATVEC is op_matvec's, MOE_ROUTE op_elementwise's,
// SAMPLE op_argmax's):
// each distinct call here costs the consumer loop registers, and two more cost GPT-2 3% and
// Llama-3.2-1B 1% on the H200 (decisions.md, 2026-12-02). MATMUL (prefill) has its own: it shares
// nothing with the matrix-vector ops' consumer loop.
// The cases of dispatch(), written once: LABEL(NAME) is a case label that falls through to the next
// one, CALL(NAME, expr) a case that returns expr. dispatch() expands it into its switch, and the
// static_asserts below expand it against the generated MK_EXECUTABLE_OPCODES (every executable
// opcode of the opcode table): an executable opcode without a case, or a case for an opcode that is
// not executable, fails the build naming the opcode. (Duplicate cases already do: a switch.)
#define MK_DISPATCH_CASES(LABEL, CALL)                                 \
  CALL(FUSED_NORM_QKV_ROPE, op_fused_norm_qkv_rope(c, p))              \
  CALL(FUSED_MATMUL_RESIDUAL, op_fused_matmul_residual(c, p))          \
  CALL(FUSED_NORM_GATE_UP_ACT, op_fused_norm_gate_up_act(c, p))        \
  CALL(FUSED_NORM_LM_HEAD_ARGMAX, op_fused_norm_lm_head_argmax(c, p))  \
  CALL(ATTENTION_PARTIAL, op_attention_partial(c, p))                  \
  CALL(ATTENTION_REDUCE, op_attention_reduce(c, p))                    \
  CALL(EMBED_GATHER, op_embed_gather(c, p))                            \
  CALL(MATMUL, op_matmul<kTensorCoreMatmul>(c, p))                     \
  LABEL(NOOP)                                                          \
  CALL(BARRIER, op_noop(c, p))                                         \
  CALL(COPY, op_copy(c, p))                                            \
  CALL(ZERO, op_zero(c, p))                                            \
  CALL(CACHE_APPEND, op_cache_append(c, p))                            \
  LABEL(MOE_MATVEC)                                                    \
  CALL(MATVEC, op_matvec(c, p))                                        \
  CALL(FUSED_NORM_MATMUL, op_fused_norm_matmul(c, p))                  \
  CALL(RMS_NORM, op_norm(c, p, false))                                 \
  CALL(LAYER_NORM, op_norm(c, p, true))                                \
  CALL(HEAD_RMS_NORM, op_head_rms_norm(c, p))                          \
  CALL(ROPE_EMBED, op_rope_embed(c, p))                                \
  LABEL(SAMPLE)                                                        \
  CALL(ARGMAX, op_argmax(c, p))                                        \
  LABEL(SILU)                                                          \
  LABEL(GELU)                                                          \
  LABEL(RELU)                                                          \
  LABEL(SWIGLU)                                                        \
  LABEL(GEGLU)                                                         \
  LABEL(GELU_TANH)                                                     \
  LABEL(ADD)                                                           \
  LABEL(MUL)                                                           \
  LABEL(RESIDUAL_ADD)                                                  \
  LABEL(SCALE)                                                         \
  LABEL(SOFTCAP)                                                       \
  LABEL(MOE_ROUTE)                                                     \
  CALL(ELEMWISE_MUL_ADD, op_elementwise(c, p))

template <bool kTensorCoreMatmul>
__device__ __forceinline__ bool dispatch(Consumer& c, const Plan& p) {
#define MK_DISPATCH_LABEL(NAME) case OP_##NAME:
#define MK_DISPATCH_CALL(NAME, CALL) \
  case OP_##NAME:                    \
    return CALL;
  switch (p.inst.opcode) {
    MK_DISPATCH_CASES(MK_DISPATCH_LABEL, MK_DISPATCH_CALL)
    default:
      c.fail(p, STATUS_BAD_OPCODE, p.inst.opcode);
      return false;
  }
#undef MK_DISPATCH_LABEL
#undef MK_DISPATCH_CALL
}

namespace dispatch_check {
#define MK_DISPATCH_HAS_LABEL(NAME) || op == OP_##NAME
#define MK_DISPATCH_HAS_CALL(NAME, CALL) || op == OP_##NAME
constexpr bool dispatched(uint8_t op) { return false MK_DISPATCH_CASES(MK_DISPATCH_HAS_LABEL, MK_DISPATCH_HAS_CALL); }
#define MK_IS_EXECUTABLE(NAME, OPS) || op == OP_##NAME
constexpr bool executable(uint8_t op) { return false MK_EXECUTABLE_OPCODES(MK_IS_EXECUTABLE); }
#define MK_REQUIRE_CASE(NAME, OPS) \
  static_assert(dispatched(OP_##NAME), "dispatch() has no case for the executable opcode OP_" #NAME);
MK_EXECUTABLE_OPCODES(MK_REQUIRE_CASE)
#define MK_REQUIRE_EXECUTABLE_LABEL(NAME) \
  static_assert(executable(OP_##NAME), "dispatch() has a case for OP_" #NAME ", which is not executable");
#define MK_REQUIRE_EXECUTABLE_CALL(NAME, CALL) MK_REQUIRE_EXECUTABLE_LABEL(NAME)
MK_DISPATCH_CASES(MK_REQUIRE_EXECUTABLE_LABEL, MK_REQUIRE_EXECUTABLE_CALL)
#undef MK_DISPATCH_HAS_LABEL
#undef MK_DISPATCH_HAS_CALL
#undef MK_IS_EXECUTABLE
#undef MK_REQUIRE_CASE
#undef MK_REQUIRE_EXECUTABLE_LABEL
#undef MK_REQUIRE_EXECUTABLE_CALL
}  // namespace dispatch_check

template <bool kTensorCoreMatmul>
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
      if (!dispatch<kTensorCoreMatmul>(c, p)) return;
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

// Two instances of one kernel: with the tensor-core MATMUL (programs that have MATMUL: prefill) and
// without it (decode), whose registers the MATMUL code would otherwise cost (ops/matmul.cuh).
template <bool kTensorCoreMatmul>
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
    run_loader<kTensorCoreMatmul>(kp, s, threadIdx.x % 32);
  } else {
    run_consumer<kTensorCoreMatmul>(kp, s, threadIdx.x);
  }
}

}  // namespace mk

namespace mk {

size_t megakernel_shared_bytes() { return kSharedBytes; }
int megakernel_threads() { return Cfg::kThreads; }

cudaError_t megakernel_prepare() {
  const cudaError_t e =
      cudaFuncSetAttribute(megakernel<false>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(kSharedBytes));
  return e != cudaSuccess
             ? e
             : cudaFuncSetAttribute(megakernel<true>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(kSharedBytes));
}

cudaError_t megakernel_max_blocks_per_sm(int* blocks) {
  int a = 0, b = 0;
  cudaError_t e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&a, megakernel<false>, Cfg::kThreads, kSharedBytes);
  if (e == cudaSuccess)
    e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&b, megakernel<true>, Cfg::kThreads, kSharedBytes);
  *blocks = a < b ? a : b;
  return e;
}

cudaError_t megakernel_launch(const KernelParams& kp, cudaStream_t stream, bool tensorCoreMatmul) {
  void* args[] = {const_cast<KernelParams*>(&kp)};
  void* fn = tensorCoreMatmul ? reinterpret_cast<void*>(megakernel<true>) : reinterpret_cast<void*>(megakernel<false>);
  return cudaLaunchCooperativeKernel(fn, dim3(kp.numQueues), dim3(Cfg::kThreads), args, kSharedBytes, stream);
}

}  // namespace mk
