// Cross-SM dependency counters (wait: one elected thread acquire-spins; signal: release-add after a
// consumer barrier), the watchdog, the abort flag, and shared-memory mbarrier waits that give up
// when another SM aborted.
#pragma once
#include <cstdint>

#include "config.cuh"
#include "ptx.cuh"
#include "runtime.h"
#include "shared_storage.cuh"

namespace mk {

__device__ __forceinline__ bool aborted(const KernelParams& kp) { return ptx::ld_relaxed(&kp.status->abort) != 0; }

// The first failure claims the status record; everyone then sees abort != 0 and unwinds.
__device__ inline void report(const KernelParams& kp, uint32_t code, uint32_t instr, uint32_t step, uint32_t opcode,
                              uint32_t counter = 0, uint32_t threshold = 0, uint32_t seen = 0, uint32_t detail = 0) {
  KernelStatus* st = kp.status;
  if (atomicCAS(&st->code, 0u, code) == 0u) {
    st->sm = blockIdx.x;
    st->instr = instr;
    st->step = step;
    st->opcode = opcode;
    st->counter = counter;
    st->threshold = threshold;
    st->seen = seen;
    st->detail = detail;
    __threadfence();
  }
  atomicExch(&st->abort, 1u);
}

// Spins until the phase with `parity` completed; polls the abort flag now and then.
__device__ __forceinline__ bool wait_mbar(uint64_t* bar, uint32_t parity, const KernelParams& kp) {
  for (uint32_t it = 1;; ++it) {
    if (ptx::mbar_try_wait(bar, parity)) return true;
    if ((it & 255u) == 0 && aborted(kp)) return false;
  }
}

// One thread: until counter >= threshold (mod 2^32), the watchdog bound, or an abort.
__device__ inline bool wait_counter(const KernelParams& kp, uint16_t id, uint32_t threshold, const Plan& p) {
  const uint32_t* c = kp.counters + id;
  uint32_t v = ptx::ld_acquire(c);
  if (counter_reached(v, threshold)) return true;
  const uint64_t t0 = ptx::globaltimer();
  for (uint32_t it = 1;; ++it) {
    v = ptx::ld_acquire(c);
    if (counter_reached(v, threshold)) return true;
    if ((it & 63u) == 0) {
      if (aborted(kp)) return false;
      if (ptx::globaltimer() - t0 > kp.watchdogNs) {
        report(kp, STATUS_WATCHDOG, p.index, p.step, p.inst.opcode, id, threshold, v);
        return false;
      }
    }
  }
}

// The consumer warps' view of the block.
struct Consumer {
  const KernelParams& kp;
  SharedStorage& s;
  int tid;   // 0 .. kConsumerThreads-1
  int warp;  // 0 .. kConsumerWarps-1
  int lane;
  uint32_t stageCount;  // weight stages consumed so far (ring position)
  bool timing;          // record when the waits were satisfied
  uint64_t waitDone;

  __device__ __forceinline__ void sync() const {
    ptx::named_barrier(Cfg::kConsumerBarrier, Cfg::kConsumerThreads);
  }

  // Waits on the instruction's counters; every consumer thread returns the same verdict.
  __device__ bool wait_deps(const Plan& p) {
    if (tid == 0) {
      bool ok = true;
      if (p.inst.wait0Counter != NONE16) ok = wait_counter(kp, p.inst.wait0Counter, p.th0, p);
      if (ok && p.inst.wait1Counter != NONE16) ok = wait_counter(kp, p.inst.wait1Counter, p.th1, p);
      s.flag = ok ? 1u : 0u;
      if (timing) waitDone = ptx::globaltimer();
    }
    sync();
    return s.flag != 0;
  }

  // After every consumer thread's stores: one release-add makes them visible with the count.
  __device__ void signal(const Plan& p) {
    sync();
#ifdef MK_SIGNAL_RELAXED  // workbench bound (unsafe): the signal without its release, to price the fence
    if (tid == 0 && p.inst.signalCounter != NONE16) atomicAdd(kp.counters + p.inst.signalCounter, 1u);
#else
    if (tid == 0 && p.inst.signalCounter != NONE16) ptx::red_release_add(kp.counters + p.inst.signalCounter, 1u);
#endif
  }

  __device__ void fail(const Plan& p, uint32_t code, uint32_t detail) {
    if (tid == 0) report(kp, code, p.index, p.step, p.inst.opcode, 0, 0, 0, detail);
  }
};

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum over all consumer threads, returned to every one of them (two consumer barriers).
__device__ __forceinline__ float consumer_sum(Consumer& c, float v) {
  v = warp_sum(v);
  if (c.lane == 0) c.s.red[0][c.warp] = v;
  c.sync();
  float t = 0.f;
#pragma unroll
  for (int w = 0; w < Cfg::kConsumerWarps; ++w) t += c.s.red[0][w];
  c.sync();
  return t;
}

}  // namespace mk
