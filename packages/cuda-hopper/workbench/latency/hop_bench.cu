// Hop-latency workbench (issue 9): what one cross-SM dependency costs, idle and under the weight stream.
// Two blocks (on two SMs) ping-pong N rounds; the other blocks either idle or stream a 2 GB buffer through a
// 5 x 32 KB shared-memory ring with the bulk copy engine, as the megakernel's loader does (consumers that
// release every stage at once: the "bound" of workbench/matvec/02). Modes, each timed per one-way hop:
//   counter  one thread: red.release.gpu add, the partner polls ld.acquire.gpu (the megakernel's signal/wait)
//   data     256 threads store 2,048 floats, barrier, release-add; the partner polls, barrier, loads the
//            2,048 floats with ld.global.cg (a hop as the megakernel makes it: store, release, poll, load)
//   tagged   256 threads store 2,048 {value, round} 64-bit words with st.relaxed.gpu; the partner's threads
//            poll their own words until every tag is the round (a hop whose poll is its load: no fence, no
//            counter; NCCL's LL protocol)
//   chase    one thread chases pointers through a 4 MB L2-resident array with ld.global.cg (one L2 round
//            trip per load)
// Then the burst probe (burst_probe): every SM, or one, issues k copies at one instant and times the L2-hit
// load that follows, as when an op ends on every SM and every loader refills its ring at once.
// Standalone: nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -I packages/cuda-hopper/csrc \
//   packages/cuda-hopper/workbench/latency/hop_bench.cu -o .device/hop_bench
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ptx.cuh"

#include "../cuda_check.h"

namespace ptx = mk::ptx;

constexpr int kThreads = 256;
constexpr int kVec = 2048;  // floats per hop (Llama-3.2-1B's hidden size)
constexpr int kPer = kVec / kThreads;
constexpr int kStages = 5;
constexpr uint32_t kStageBytes = 32 * 1024;
enum Mode { COUNTER = 0, DATA = 1, TAGGED = 2, CHASE = 3 };

struct Params {
  int mode, rounds, load;  // load: bulk copies each streaming SM keeps in flight (0: no stream)
  uint32_t* counters;           // [0]: to block 1, [1]: to block 0, [2]: stop
  float* data[2];               // one buffer per direction
  unsigned long long* tagged[2];
  const uint32_t* chain;        // CHASE: next index per 128-byte line
  const uint8_t* stream;        // 2 GB
  uint64_t streamBytes;
  unsigned long long* streamed; // bytes the streamers moved
  unsigned long long* result;   // [0] ns, [1] sink
};

__device__ __forceinline__ void st_relaxed_u64(unsigned long long* p, unsigned long long v) {
  asm volatile("st.relaxed.gpu.global.u64 [%0], %1;" ::"l"(p), "l"(v) : "memory");
}
__device__ __forceinline__ unsigned long long ld_relaxed_u64(const unsigned long long* p) {
  unsigned long long v;
  asm volatile("ld.relaxed.gpu.global.u64 %0, [%1];" : "=l"(v) : "l"(p) : "memory");
  return v;
}

__device__ void streamer(const Params& P, uint8_t* ring, uint64_t* full) {
  if (threadIdx.x != 0) return;
  for (int i = 0; i < kStages; ++i) ptx::mbar_init(&full[i], 1);
  ptx::mbar_init_fence();
  const uint64_t policy = ptx::l2_evict_first_policy();
  const uint64_t lines = P.streamBytes / kStageBytes;
  uint64_t s = 0, pos = uint64_t(blockIdx.x) * 977;
  for (;; ++s) {
    const uint32_t slot = s % kStages;
    if (s >= uint64_t(P.load)) {  // at most P.load copies outstanding (the ring's slots are free at once)
      const uint64_t prev = s - P.load;
      while (!ptx::mbar_try_wait(&full[prev % kStages], (prev / kStages) & 1u)) {
      }
    }
    if ((s & 15) == 0 && ptx::ld_relaxed(P.counters + 2) != 0) break;
    ptx::mbar_arrive_expect_tx(&full[slot], kStageBytes);
    ptx::bulk_copy_g2s(ring + size_t(slot) * kStageBytes, P.stream + (pos % lines) * kStageBytes, kStageBytes,
                       &full[slot], policy);
    pos += 131;
  }
  for (uint64_t t = s >= kStages ? s - kStages : 0; t < s; ++t) {  // drain before the block exits
    while (!ptx::mbar_try_wait(&full[t % kStages], (t / kStages) & 1u)) {
    }
  }
  atomicAdd(P.streamed, (unsigned long long)s * kStageBytes);
}

// The other SMs as the megakernel's waiting consumers: one thread each spinning on a counter the pair waits
// on (the one block 0 waits on; -1: back to back, -2: 128 ns apart), until the stop flag.
__device__ void poller(const Params& P) {
  if (threadIdx.x != 0) return;
  uint32_t sink = 0;
  for (uint32_t it = 0;; ++it) {
    sink += ptx::ld_acquire(P.counters);
    if (P.load == -2) __nanosleep(128);
    if ((it & 63) == 0 && ptx::ld_relaxed(P.counters + 2) != 0) break;
  }
  if (sink == 0xdeadbeefu) P.result[1] = sink;
}

__device__ void pingpong(const Params& P, int side) {
  const int tid = threadIdx.x;
  uint32_t* mine = P.counters + side;        // I wait on this one
  uint32_t* theirs = P.counters + (1 - side);
  float sink = 0.f;
  // Let the streamers fill the memory system first.
  if (tid == 0) {
    const uint64_t t0 = ptx::globaltimer();
    while (ptx::globaltimer() - t0 < 50000) {
    }
  }
  __syncthreads();
  const uint64_t start = ptx::globaltimer();
  for (int r = 1; r <= P.rounds; ++r) {
    const bool send = side == 0;  // block 0 sends first in every round, block 1 answers
    for (int phase = 0; phase < 2; ++phase) {
      if ((phase == 0) == send) {
        // send
        if (P.mode == COUNTER) {
          if (tid == 0) ptx::red_release_add(theirs, 1u);
        } else if (P.mode == DATA) {
          float* d = P.data[side];
#pragma unroll
          for (int j = 0; j < kPer; ++j) d[tid + j * kThreads] = float(r + tid + j * kThreads);
          __syncthreads();
          if (tid == 0) ptx::red_release_add(theirs, 1u);
        } else {
          unsigned long long* d = P.tagged[side];
#pragma unroll
          for (int j = 0; j < kPer; ++j) {
            const int i = tid + j * kThreads;
            st_relaxed_u64(d + i, (unsigned long long)__float_as_uint(float(r + i)) << 32 | uint32_t(r));
          }
        }
      } else {
        // receive
        if (P.mode == COUNTER || P.mode == DATA) {
          if (tid == 0)
            while (ptx::ld_acquire(mine) < uint32_t(r)) {
            }
          __syncthreads();
          if (P.mode == DATA) {
            const float* d = P.data[1 - side];
            float v[kPer];
#pragma unroll
            for (int j = 0; j < kPer; ++j) v[j] = __ldcg(d + tid + j * kThreads);  // one round trip
#pragma unroll
            for (int j = 0; j < kPer; ++j) sink += v[j];
          }
        } else {
          // Every word of this thread in flight at once, again until all carry the round's tag.
          const unsigned long long* d = P.tagged[1 - side];
          unsigned long long v[kPer];
          bool ready;
          do {
#pragma unroll
            for (int j = 0; j < kPer; ++j) v[j] = ld_relaxed_u64(d + tid + j * kThreads);
            ready = true;
#pragma unroll
            for (int j = 0; j < kPer; ++j) ready = ready && uint32_t(v[j]) == uint32_t(r);
          } while (!ready);
#pragma unroll
          for (int j = 0; j < kPer; ++j) sink += __uint_as_float(uint32_t(v[j] >> 32));
        }
        __syncthreads();
      }
    }
  }
  const uint64_t ns = ptx::globaltimer() - start;
  if (side == 0 && tid == 0) {
    P.result[0] = ns;
  }
  if (sink == -1.f) P.result[1] = 1;  // keeps the loads
}

__device__ void chase(const Params& P) {
  if (threadIdx.x != 0) return;
  const uint64_t t0 = ptx::globaltimer();
  while (ptx::globaltimer() - t0 < 50000) {
  }
  uint32_t i = 0;
  for (int w = 0; w < 4096; ++w) i = __ldcg(P.chain + i);  // warm: the array into L2
  const uint64_t start = ptx::globaltimer();
  for (int r = 0; r < P.rounds; ++r) i = __ldcg(P.chain + i);
  P.result[0] = ptx::globaltimer() - start;
  P.result[1] = i;
}

__global__ void __launch_bounds__(kThreads, 1) hop_bench(const __grid_constant__ Params P) {
  extern __shared__ __align__(1024) uint8_t smem[];
  uint64_t* full = reinterpret_cast<uint64_t*>(smem + kStages * kStageBytes);
  if (blockIdx.x >= 2) {
    if (P.load > 0) streamer(P, smem, full);
    if (P.load < 0) poller(P);
    return;
  }
  if (P.mode == CHASE) {
    if (blockIdx.x == 0) chase(P);
  } else {
    pingpong(P, blockIdx.x);
  }
  __syncthreads();
  if (blockIdx.x == 0 && threadIdx.x == 0) ptx::st_relaxed(P.counters + 2, 1u);
}

std::string label(int load) {
  if (load == 0) return "idle";
  if (load == -1) return "no stream; the others poll the counter block 0 waits on, back to back";
  if (load == -2) return "no stream; the others poll it 128 ns apart";
  return std::to_string(load);
}


// Burst probe: every SM (or only SM 0: `lone`) issues `burst` 32 KB copies at the same globaltimer instant
// (every 20 µs), then times one L2-hit load of its own line: the megakernel's moment when an op ends on
// every SM, every loader refills its ring, and the next op's first loads go out behind those copies.
__global__ void __launch_bounds__(kThreads, 1) burst_probe(const uint8_t* stream, uint64_t streamBytes,
                                                           const uint32_t* lines, int burst, int lone, int rounds,
                                                           unsigned long long* out) {
  extern __shared__ __align__(1024) uint8_t smem[];
  uint64_t* full = reinterpret_cast<uint64_t*>(smem + kStages * kStageBytes);
  if (threadIdx.x != 0) return;
  for (int i = 0; i < kStages; ++i) ptx::mbar_init(&full[i], 1);
  ptx::mbar_init_fence();
  const uint64_t policy = ptx::l2_evict_first_policy();
  const uint32_t* mine = lines + blockIdx.x * 32;
  uint32_t sink = __ldcg(mine);
  const int b = (lone && blockIdx.x != 0) ? 0 : burst;
  uint64_t pos = uint64_t(blockIdx.x) * 977;
  const uint64_t stages = streamBytes / kStageBytes;
  for (int r = 0; r < rounds; ++r) {
    const uint64_t t = ptx::globaltimer();
    const uint64_t next = (t / 20000 + 2) * 20000;
    while (ptx::globaltimer() < next) {
    }
    for (int k = 0; k < b; ++k) {
      ptx::mbar_arrive_expect_tx(&full[k], kStageBytes);
      ptx::bulk_copy_g2s(smem + size_t(k) * kStageBytes, stream + (pos % stages) * kStageBytes, kStageBytes, &full[k],
                         policy);
      pos += 131;
    }
    const uint64_t t0 = ptx::globaltimer();
    sink += __ldcg(mine + (r & 7));
    uint64_t t1 = 0;  // a branch on the loaded value: the time stamp is taken once the load is back
    if (sink != 0xfeedf00du) t1 = ptx::globaltimer();
    for (int k = 0; k < b; ++k) {
      while (!ptx::mbar_try_wait(&full[k], r & 1)) {
      }
    }
    if (blockIdx.x == 0 || !lone) out[size_t(blockIdx.x) * rounds + r] = t1 - t0;
  }
}

int main() {
  int sms = 0;
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  const size_t smemBytes = kStages * kStageBytes + 64;
  CHECK(cudaFuncSetAttribute(hop_bench, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smemBytes)));
  const uint64_t streamBytes = 2ull << 30;
  uint8_t* stream;
  CHECK(cudaMalloc(&stream, streamBytes));
  CHECK(cudaMemset(stream, 1, streamBytes));
  uint32_t* counters;
  CHECK(cudaMalloc(&counters, 64));
  float* data;
  CHECK(cudaMalloc(&data, 2 * kVec * sizeof(float)));
  unsigned long long* tagged;
  CHECK(cudaMalloc(&tagged, 2 * kVec * sizeof(unsigned long long)));
  unsigned long long *streamed, *result;
  CHECK(cudaMalloc(&streamed, 8));
  CHECK(cudaMalloc(&result, 16));
  // CHASE: a random cycle over 32,768 lines of 128 bytes (4 MB), one index per line.
  const uint32_t lines = 32768, stride = 32;  // uint32 per line
  std::vector<uint32_t> order(lines), chain(size_t(lines) * stride, 0);
  for (uint32_t i = 0; i < lines; ++i) order[i] = i;
  srand(7);
  for (uint32_t i = lines - 1; i > 0; --i) std::swap(order[i], order[rand() % (i + 1)]);
  for (uint32_t i = 0; i < lines; ++i) chain[size_t(order[i]) * stride] = order[(i + 1) % lines] * stride;
  uint32_t* dchain;
  CHECK(cudaMalloc(&dchain, chain.size() * 4));
  CHECK(cudaMemcpy(dchain, chain.data(), chain.size() * 4, cudaMemcpyHostToDevice));

  std::printf("%s, %d SMs; one-way hop latency, median of 5 launches\n", prop.name, sms);
  std::printf("one-way hop latency in ns (median of 5 launches); the other %d SMs idle or streaming 32 KB bulk copies,\n"
              "k of them in flight per SM (the megakernel's ring: 5)\n\n", sms - 2);
  std::printf("| streaming SMs' copies in flight | stream TB/s | L2 load (chase) | counter hop | data hop (8 KB) | tagged hop (16 KB) |\n");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  for (int load : {0, 1, 2, 3, 5, -1, -2}) {
    double ns[4] = {0, 0, 0, 0}, tbps = 0;
    for (int mode = 0; mode < 4; ++mode) {
      const int rounds = mode == CHASE ? 20000 : 2000;
      std::vector<double> s;
      for (int rep = 0; rep < 5; ++rep) {
        CHECK(cudaMemset(counters, 0, 64));
        CHECK(cudaMemset(tagged, 0, 2 * kVec * sizeof(unsigned long long)));
        CHECK(cudaMemset(streamed, 0, 8));
        Params P{mode, rounds, load, counters, {data, data + kVec}, {tagged, tagged + kVec}, dchain, stream,
                 streamBytes, streamed, result};
        cudaEvent_t a, b;
        CHECK(cudaEventCreate(&a));
        CHECK(cudaEventCreate(&b));
        CHECK(cudaEventRecord(a));
        hop_bench<<<sms, kThreads, smemBytes>>>(P);
        CHECK(cudaEventRecord(b));
        CHECK(cudaGetLastError());
        CHECK(cudaDeviceSynchronize());
        float ms = 0;
        CHECK(cudaEventElapsedTime(&ms, a, b));
        unsigned long long h[2], moved = 0;
        CHECK(cudaMemcpy(h, result, 16, cudaMemcpyDeviceToHost));
        CHECK(cudaMemcpy(&moved, streamed, 8, cudaMemcpyDeviceToHost));
        s.push_back(double(h[0]) / (mode == CHASE ? rounds : 2.0 * rounds));
        if (load && mode == COUNTER) tbps = std::max(tbps, double(moved) / (ms * 1e-3) / 1e12);
      }
      std::sort(s.begin(), s.end());
      ns[mode] = s[2];
    }
    std::printf("| %s | %.2f | %.0f | %.0f | %.0f | %.0f |\n", label(load).c_str(), tbps, ns[CHASE],
                ns[COUNTER], ns[DATA], ns[TAGGED]);
  }

  // Burst probe.
  {
    const int rounds = 200;
    unsigned long long* out;
    CHECK(cudaMalloc(&out, size_t(sms) * rounds * 8));
    uint32_t* lines;
    CHECK(cudaMalloc(&lines, size_t(sms) * 128));
    CHECK(cudaMemset(lines, 0, size_t(sms) * 128));
    CHECK(cudaFuncSetAttribute(burst_probe, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smemBytes)));
    std::printf("\nload latency right after a burst of 32 KB copies, ns (median / 90th percentile over SMs and 200 rounds)\n\n");
    std::printf("| copies issued just before the load | every SM bursts at once | only this SM bursts |\n| --- | --- | --- |\n");
    for (int burst : {0, 1, 3, 5}) {
      double med[2], p90[2];
      for (int lone = 0; lone < 2; ++lone) {
        CHECK(cudaMemset(out, 0, size_t(sms) * rounds * 8));
        burst_probe<<<sms, kThreads, smemBytes>>>(stream, streamBytes, lines, burst, lone, rounds, out);
        CHECK(cudaGetLastError());
        CHECK(cudaDeviceSynchronize());
        std::vector<unsigned long long> h(size_t(sms) * rounds);
        CHECK(cudaMemcpy(h.data(), out, h.size() * 8, cudaMemcpyDeviceToHost));
        std::vector<double> v;
        for (int b = 0; b < (lone ? 1 : sms); ++b)
          for (int r = 10; r < rounds; ++r) v.push_back(double(h[size_t(b) * rounds + r]));
        std::sort(v.begin(), v.end());
        med[lone] = v[v.size() / 2];
        p90[lone] = v[v.size() * 9 / 10];
      }
      std::printf("| %d | %.0f / %.0f | %.0f / %.0f |\n", burst, med[0], p90[0], med[1], p90[1]);
    }
  }
  return 0;
}
