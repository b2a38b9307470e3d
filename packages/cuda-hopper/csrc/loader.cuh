// The loader warp: fetches this block's queue, publishes decoded plans, and streams every matrix
// op's weight tiles into the ring with the bulk copy engine. It does not wait on dependency counters
// (weights do not depend on activations), so it runs ahead across instruction and step boundaries,
// bounded only by free ring stages and plan slots; the exceptions wait for their instruction's counters
// first: a stream whose rows the data chooses (MOE_MATVEC's expert) and a tensor-core MATMUL, whose
// stages carry activations beside the weights (matmul_plan.cuh).
#pragma once
#include "expert_select.cuh"
#include "matmul_plan.cuh"
#include "plan.cuh"
#include "ptx.cuh"
#include "shared_storage.cuh"
#include "sync.cuh"

namespace mk {

__device__ __forceinline__ void issue_stage(const Plan& p, const StageDesc& d, uint8_t* dst, uint64_t* full, int lane,
                                            uint64_t policy) {
  const WStream& w = p.w[d.m];
  const uint32_t rowBytes = w.rowElems * 2;
  const uint8_t* src = w.base + uint64_t(d.row) * w.rowStride;
  if (p.vec) {
    if (lane == 0) ptx::mbar_arrive_expect_tx(full, d.nr * rowBytes);
    __syncwarp();
    if (w.contiguous) {
      if (lane == 0) ptx::bulk_copy_g2s(dst, src, d.nr * rowBytes, full, policy);
    } else {
      for (uint32_t r = lane; r < d.nr; r += 32)
        ptx::bulk_copy_g2s(dst + size_t(r) * rowBytes, src + uint64_t(r) * w.rowStride, rowBytes, full, policy);
    }
  } else {
    // Shapes the copy engine cannot take (16-byte alignment): plain loads, then a release arrive.
    unsigned short* o = reinterpret_cast<unsigned short*>(dst);
    const uint32_t n = d.nr * w.rowElems;
    for (uint32_t e = lane; e < n; e += 32) {
      const uint32_t r = e / w.rowElems, k = e - r * w.rowElems;
      o[e] = __ldg(reinterpret_cast<const unsigned short*>(src + uint64_t(r) * w.rowStride) + k);
    }
    __syncwarp();
    if (lane == 0) ptx::mbar_arrive(full);
  }
}

// kTensorCoreMatmul: the kernel instance for programs with MATMUL (megakernel.cu); the other never streams
// a MATMUL, whose consumers then take the CUDA-core path.
template <bool kTensorCoreMatmul>
__device__ __forceinline__ void run_loader(const KernelParams& kp, SharedStorage& s, int lane) {
  const uint64_t policy = ptx::l2_evict_first_policy();
  const uint32_t qlen = kp.queueLen[blockIdx.x];
  const uint4* queue = reinterpret_cast<const uint4*>(kp.queues + size_t(kp.queueStart[blockIdx.x]) * INSTRUCTION_BYTES);
  uint32_t gi = 0, gs = 0;
  for (uint32_t step = 0; step < kp.steps; ++step) {
    for (uint32_t i = 0; i < qlen; ++i, ++gi) {
      const uint32_t slot = gi % Cfg::kPlans;
      // Instruction words first (independent of the slot wait), four 16-byte loads.
      uint4 words[4];
#pragma unroll
      for (int k = 0; k < 4; ++k) words[k] = __ldg(queue + size_t(i) * 4 + k);
      if (gi >= Cfg::kPlans && !wait_mbar(&s.planEmpty[slot], ((gi / Cfg::kPlans) - 1) & 1u, kp)) return;
      const Instruction in = load_instruction(words);
      Plan& p = s.plans[slot];
      build_plan(p, in, kp, step, i, lane);
      // A data-dependent stream (MOE_MATVEC) waits for the routing decision first: the one wait the
      // loader makes, on counters the instruction's consumers wait on too.
      if (p.expertBytes != 0) {  // the same for every lane: build_plan ends with __syncwarp
        bool waited = true;
        if (lane == 0) waited = select_expert(p, kp);
        if (!__shfl_sync(0xffffffffu, waited, 0)) return;
        __syncwarp();
      }
      const uint32_t error = p.error;
      if (error != STATUS_OK && lane == 0) report(kp, error, i, step, in.opcode, 0, 0, 0, p.detail);
      if (lane == 0) ptx::mbar_arrive(&s.planFull[slot]);
      if (error != STATUS_OK) return;
      if constexpr (kTensorCoreMatmul) {
        if (p.mm.n != 0) {  // the same for every lane (build_plan ends with __syncwarp)
          if (!load_matmul(p, kp, s, lane, gs)) return;
          continue;
        }
      }
      const bool ok = for_each_stage(
          p,
          [&](const StageDesc& d) {
            const uint32_t ss = gs % Cfg::kStages;
            if (gs >= Cfg::kStages && !wait_mbar(&s.empty[ss], ((gs / Cfg::kStages) - 1) & 1u, kp)) return false;
            issue_stage(p, d, s.ring[ss], &s.full[ss], lane, policy);
            ++gs;
            return true;
          },
          [](uint32_t, uint32_t) { return true; });
      if (!ok) return;
    }
  }
}

}  // namespace mk
