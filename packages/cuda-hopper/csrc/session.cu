// Host side of a device handle (see session.h).
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "generated/isa.h"
#include "megakernel.h"
#include "session.h"
#include "tensor_maps.h"

namespace mk {

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear non-sticky errors so the session stays usable when it can
    throw CudaError(std::string(what) + ": " + cudaGetErrorName(e) + ": " + cudaGetErrorString(e));
  }
}

constexpr uint64_t kPinnedChunk = 32ull << 20;  // 32 MB staging, double-buffered

__global__ void fill_random_kernel(uint8_t* base, uint64_t count, int dtype, uint32_t seed, float scale,
                                   float center) {
  for (uint64_t i = blockIdx.x * uint64_t(blockDim.x) + threadIdx.x; i < count; i += uint64_t(gridDim.x) * blockDim.x) {
    // splitmix64 of (seed, index): deterministic, no state.
    uint64_t z = (uint64_t(seed) << 40) ^ (i + 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const float u = float(uint32_t(z >> 40)) * (2.0f / 16777216.0f) - 1.0f;  // [-1, 1)
    const float v = center + scale * u;
    if (dtype == DTYPE_F32) {
      reinterpret_cast<float*>(base)[i] = v;
    } else if (dtype == DTYPE_BF16) {
      const uint32_t b = __float_as_uint(v);
      reinterpret_cast<uint16_t*>(base)[i] = uint16_t((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
    } else {
      reinterpret_cast<__half*>(base)[i] = __float2half_rn(v);
    }
  }
}

}  // namespace

ProbeResult probe() {
  ProbeResult r;
  r.kernelSharedBytes = megakernel_shared_bytes();
  r.kernelThreads = megakernel_threads();
  cudaError_t e = cudaDriverGetVersion(&r.driverVersion);
  cudaRuntimeGetVersion(&r.runtimeVersion);
  if (e != cudaSuccess || r.driverVersion == 0) {
    r.error = "no CUDA driver: " + std::string(e != cudaSuccess ? cudaGetErrorString(e) : "driver version 0");
    cudaGetLastError();
    return r;
  }
  int n = 0;
  e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0) {
    r.error = "no GPU: " + std::string(e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device");
    cudaGetLastError();
    return r;
  }
  for (int d = 0; d < n; ++d) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, d) != cudaSuccess) continue;
    DeviceInfo i;
    i.index = d;
    i.name = p.name;
    i.major = p.major;
    i.minor = p.minor;
    i.smCount = p.multiProcessorCount;
    i.memoryBytes = p.totalGlobalMem;
    i.l2Bytes = uint64_t(p.l2CacheSize);
    i.sharedPerBlockOptin = int(p.sharedMemPerBlockOptin);
    cudaDeviceGetAttribute(&i.clockKHz, cudaDevAttrClockRate, d);
    cudaDeviceGetAttribute(&i.memoryClockKHz, cudaDevAttrMemoryClockRate, d);
    cudaDeviceGetAttribute(&i.busWidthBits, cudaDevAttrGlobalMemoryBusWidth, d);
    i.cooperativeLaunch = p.cooperativeLaunch != 0;
    r.devices.push_back(i);
  }
  r.ok = !r.devices.empty();
  if (!r.ok) r.error = "no GPU: device properties unavailable";
  return r;
}

Session::Session(int device) : device_(device) {
  // A constructor that throws runs no destructor: free what was acquired before rethrowing.
  try {
    ProbeResult pr = probe();
    if (!pr.ok) throw CudaError(pr.error);
    if (device < 0 || device >= int(pr.devices.size())) throw CudaError("no such device " + std::to_string(device));
    info_ = pr.devices[device];
    if (info_.major != 9) {
      throw CudaError("the megakernel is built for Hopper (sm_90a); device " + std::to_string(device) + " is " +
                      info_.name + " (sm_" + std::to_string(info_.major) + std::to_string(info_.minor) + ")");
    }
    check(cudaSetDevice(device), "cudaSetDevice");
    cudaStream_t s;
    // A blocking stream: launches on it wait for the synchronous-API copies and memsets on the legacy
    // default stream (state resets, token writes) without an explicit synchronisation.
    check(cudaStreamCreate(&s), "cudaStreamCreate");
    stream_ = s;
    check(megakernel_prepare(), "cudaFuncSetAttribute(max dynamic shared memory)");
    int blocks = 0;
    check(megakernel_max_blocks_per_sm(&blocks), "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
    if (blocks < 1) throw CudaError("the megakernel does not fit on an SM of " + info_.name);
    check(cudaMalloc(&status_, sizeof(KernelStatus)), "cudaMalloc(status)");
    for (int i = 0; i < 2; ++i) {
      check(cudaMallocHost(&pinned_[i], kPinnedChunk), "cudaMallocHost(staging)");
      cudaEvent_t ev;
      check(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming), "cudaEventCreate");
      pinnedDone_[i] = ev;
    }
  } catch (...) {
    release();
    throw;
  }
}

Session::~Session() { release(); }

void Session::release() noexcept {
  // The stream is acquired first: without it nothing is held (and cudaSetDevice would create a context).
  if (!stream_) return;
  cudaSetDevice(device_);
  freeProgram();
  cudaFree(weights_);
  weights_ = nullptr;
  weightBytes_ = 0;
  cudaFree(status_);
  status_ = nullptr;
  for (int i = 0; i < 2; ++i) {
    cudaFreeHost(pinned_[i]);
    pinned_[i] = nullptr;
    if (pinnedDone_[i]) cudaEventDestroy(static_cast<cudaEvent_t>(pinnedDone_[i]));
    pinnedDone_[i] = nullptr;
  }
  cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
  stream_ = nullptr;
  cudaGetLastError();  // a failed free (a dead context) must not surface as the next call's error
}

void Session::freeProgram() {
  cudaFree(state_);
  state_ = nullptr;
  freeQueues();
}

void Session::freeQueues() {
  cudaFree(counters_);
  cudaFree(table_);
  cudaFree(queues_);
  cudaFree(queueStart_);
  cudaFree(queueLen_);
  cudaFree(timings_);
  cudaFree(tensorMaps_);
  tensorMaps_ = nullptr;
  mapsWeights_ = mapsState_ = nullptr;
  hostTable_.clear();
  counters_ = nullptr;
  table_ = nullptr;
  queues_ = nullptr;
  queueStart_ = queueLen_ = nullptr;
  timings_ = nullptr;
  timingBytes_ = lastTimingBytes_ = 0;
  numQueues_ = maxQueueLen_ = 0;
}

void Session::allocWeights(uint64_t bytes) {
  check(cudaSetDevice(device_), "cudaSetDevice");
  cudaFree(weights_);
  weights_ = nullptr;
  weightBytes_ = 0;
  check(cudaMalloc(&weights_, std::max<uint64_t>(bytes, 256)), "cudaMalloc(weights)");
  check(cudaMemset(weights_, 0, std::max<uint64_t>(bytes, 256)), "cudaMemset(weights)");
  weightBytes_ = bytes;
}

void Session::writeWeights(uint64_t offset, const void* data, uint64_t bytes) {
  if (offset > weightBytes_ || bytes > weightBytes_ - offset) throw CudaError("writeWeights: range outside the weight arena");
  cudaStream_t s = static_cast<cudaStream_t>(stream_);
  const uint8_t* src = static_cast<const uint8_t*>(data);
  int buf = 0;
  for (uint64_t done = 0; done < bytes; done += kPinnedChunk, buf ^= 1) {
    const uint64_t n = std::min(kPinnedChunk, bytes - done);
    cudaEvent_t ev = static_cast<cudaEvent_t>(pinnedDone_[buf]);
    check(cudaEventSynchronize(ev), "cudaEventSynchronize(staging)");
    std::memcpy(pinned_[buf], src + done, n);
    check(cudaMemcpyAsync(weights_ + offset + done, pinned_[buf], n, cudaMemcpyHostToDevice, s), "cudaMemcpyAsync(weights)");
    check(cudaEventRecord(ev, s), "cudaEventRecord");
  }
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize(weights)");
}

void Session::readWeights(uint64_t offset, void* out, uint64_t bytes) {
  if (offset > weightBytes_ || bytes > weightBytes_ - offset) throw CudaError("readWeights: range outside the weight arena");
  check(cudaMemcpy(out, weights_ + offset, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy(weights)");
}

void Session::fillWeightsRandom(uint64_t offset, uint64_t count, int dtype, uint32_t seed, float scale, float center) {
  const uint64_t esz = dtype == DTYPE_F32 ? 4 : 2;
  if (dtype != DTYPE_F32 && dtype != DTYPE_BF16 && dtype != DTYPE_F16) throw CudaError("fillWeightsRandom: float dtypes only");
  if (offset > weightBytes_ || count * esz > weightBytes_ - offset) throw CudaError("fillWeightsRandom: range outside the arena");
  if (count == 0) return;
  fill_random_kernel<<<info_.smCount * 8, 256, 0, static_cast<cudaStream_t>(stream_)>>>(weights_ + offset, count, dtype,
                                                                                         seed, scale, center);
  check(cudaGetLastError(), "fill_random_kernel launch");
  check(cudaStreamSynchronize(static_cast<cudaStream_t>(stream_)), "fill_random_kernel");
}

// Every descriptor must lie inside its arena (the kernel trusts the table's extents).
void Session::checkProgram(const uint8_t* table, uint32_t tensorCount, const std::vector<uint32_t>& queueLens,
                           uint64_t stateBytes, const char* what) const {
  if (queueLens.empty()) throw CudaError(std::string(what) + ": a program needs at least one queue");
  if (int(queueLens.size()) > info_.smCount) {
    throw CudaError(std::string(what) + ": the program has " + std::to_string(queueLens.size()) + " queues but " +
                    info_.name + " has " + std::to_string(info_.smCount) + " SMs (one queue per co-resident block)");
  }
  for (uint32_t i = 0; i < tensorCount; ++i) {
    const TensorDesc d = load_tensor_desc(table + size_t(i) * TENSOR_DESC_BYTES);
    const uint64_t arena = d.region == REGION_WEIGHTS ? weightBytes_ : d.region == REGION_STATE ? stateBytes : 0;
    const uint64_t bytes = tensor_bytes(d);
    if (dtype_bytes(d.dtype) == 0 || (d.region != REGION_WEIGHTS && d.region != REGION_STATE) ||
        d.byteOffset > arena || bytes > arena - d.byteOffset) {
      throw CudaError(std::string(what) + ": tensor " + std::to_string(i) + " lies outside its arena");
    }
  }
}

void Session::loadProgram(const uint8_t* table, uint32_t tensorCount, const uint8_t* queues,
                          const std::vector<uint32_t>& queueLens, uint32_t counterCount, uint64_t stateBytes) {
  check(cudaSetDevice(device_), "cudaSetDevice");
  checkProgram(table, tensorCount, queueLens, stateBytes, "loadProgram");
  freeProgram();
  stateBytes_ = stateBytes;
  check(cudaMalloc(&state_, std::max<uint64_t>(stateBytes, 256)), "cudaMalloc(state)");
  check(cudaMemset(state_, 0, std::max<uint64_t>(stateBytes, 256)), "cudaMemset(state)");
  loadQueues(table, tensorCount, queues, queueLens, counterCount);
}

void Session::swapQueues(const uint8_t* table, uint32_t tensorCount, const uint8_t* queues,
                         const std::vector<uint32_t>& queueLens, uint32_t counterCount, uint64_t stateBytes) {
  check(cudaSetDevice(device_), "cudaSetDevice");
  if (!state_) throw CudaError("swapQueues: no program loaded");
  if (stateBytes != stateBytes_) {
    throw CudaError("swapQueues: the program's state arena is " + std::to_string(stateBytes) + " bytes, the loaded one " +
                    std::to_string(stateBytes_) + " (not the same state layout)");
  }
  checkProgram(table, tensorCount, queueLens, stateBytes, "swapQueues");
  freeQueues();
  loadQueues(table, tensorCount, queues, queueLens, counterCount);
}

// The table, queues and counters (zeroed: epoch 0) of a program over the state already allocated.
void Session::loadQueues(const uint8_t* table, uint32_t tensorCount, const uint8_t* queues,
                         const std::vector<uint32_t>& queueLens, uint32_t counterCount) {
  std::vector<uint32_t> starts(queueLens.size());
  uint64_t total = 0;
  maxQueueLen_ = 0;
  for (size_t q = 0; q < queueLens.size(); ++q) {
    starts[q] = uint32_t(total);
    total += queueLens[q];
    maxQueueLen_ = std::max(maxQueueLen_, queueLens[q]);
  }
  numQueues_ = uint32_t(queueLens.size());
  // Programs with MATMUL (prefill) run on the kernel instance that has the tensor-core path.
  hasMatmul_ = false;
  for (uint64_t i = 0; i < total && !hasMatmul_; ++i)
    hasMatmul_ = is_token_range_opcode(queues[i * INSTRUCTION_BYTES]);  // byte 0: the opcode
  tensorCount_ = tensorCount;
  counterCount_ = counterCount;
  check(cudaMalloc(&counters_, std::max<uint64_t>(counterCount, 1) * 4), "cudaMalloc(counters)");
  check(cudaMemset(counters_, 0, std::max<uint64_t>(counterCount, 1) * 4), "cudaMemset(counters)");
  check(cudaMalloc(&table_, std::max<uint64_t>(uint64_t(tensorCount) * TENSOR_DESC_BYTES, 32)), "cudaMalloc(table)");
  if (tensorCount)
    check(cudaMemcpy(table_, table, uint64_t(tensorCount) * TENSOR_DESC_BYTES, cudaMemcpyHostToDevice), "cudaMemcpy(table)");
  hostTable_.assign(table, table + size_t(tensorCount) * TENSOR_DESC_BYTES);
  check(cudaMalloc(&queues_, std::max<uint64_t>(total * INSTRUCTION_BYTES, 64)), "cudaMalloc(queues)");
  if (total) check(cudaMemcpy(queues_, queues, total * INSTRUCTION_BYTES, cudaMemcpyHostToDevice), "cudaMemcpy(queues)");
  check(cudaMalloc(&queueStart_, starts.size() * 4), "cudaMalloc(queueStart)");
  check(cudaMalloc(&queueLen_, starts.size() * 4), "cudaMalloc(queueLen)");
  check(cudaMemcpy(queueStart_, starts.data(), starts.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy(queueStart)");
  check(cudaMemcpy(queueLen_, queueLens.data(), starts.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy(queueLen)");
}

void Session::writeState(uint64_t offset, const void* data, uint64_t bytes) {
  if (offset > stateBytes_ || bytes > stateBytes_ - offset) throw CudaError("writeState: range outside the state arena");
  check(cudaMemcpy(state_ + offset, data, bytes, cudaMemcpyHostToDevice), "cudaMemcpy(state)");
}

void Session::readState(uint64_t offset, void* out, uint64_t bytes) {
  if (offset > stateBytes_ || bytes > stateBytes_ - offset) throw CudaError("readState: range outside the state arena");
  check(cudaMemcpy(out, state_ + offset, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy(state)");
}

void Session::fillState(uint64_t offset, uint64_t bytes, uint8_t value) {
  if (offset > stateBytes_ || bytes > stateBytes_ - offset) throw CudaError("fillState: range outside the state arena");
  check(cudaMemset(state_ + offset, value, bytes), "cudaMemset(state)");
}

void Session::zeroCounters() {
  check(cudaMemset(counters_, 0, std::max<uint64_t>(counterCount_, 1) * 4), "cudaMemset(counters)");
}

void Session::readCounters(uint32_t* out, uint32_t count) {
  if (count > counterCount_) throw CudaError("readCounters: more counters than the program has");
  check(cudaMemcpy(out, counters_, uint64_t(count) * 4, cudaMemcpyDeviceToHost), "cudaMemcpy(counters)");
}

void Session::ensureTensorMaps() {
  if (tensorMaps_ && mapsWeights_ == weights_ && mapsState_ == state_) return;
  const TensorMaps m = encodeTensorMaps(hostTable_.data(), tensorCount_, weights_, state_);
  if (!tensorMaps_) {
    check(cudaMalloc(&tensorMaps_, std::max<size_t>(m.maps.size() + m.ok.size(), 256)), "cudaMalloc(tensor maps)");
  }
  if (!m.maps.empty()) check(cudaMemcpy(tensorMaps_, m.maps.data(), m.maps.size(), cudaMemcpyHostToDevice), "cudaMemcpy(tensor maps)");
  if (!m.ok.empty())
    check(cudaMemcpy(tensorMaps_ + m.maps.size(), m.ok.data(), m.ok.size(), cudaMemcpyHostToDevice), "cudaMemcpy(tensor maps)");
  mapsWeights_ = weights_;
  mapsState_ = state_;
}

RunResult Session::run(uint32_t steps, uint32_t pos0, uint32_t epoch0, bool timing, uint64_t watchdogNs,
                       uint32_t tokensPerStep) {
  if (!queues_) throw CudaError("run: no program loaded");
  if (!weights_) throw CudaError("run: no weights allocated");
  if (tokensPerStep == 0) throw CudaError("run: tokensPerStep is 0");
  check(cudaSetDevice(device_), "cudaSetDevice");
  if (hasMatmul_) ensureTensorMaps();  // only the MATMUL instance reads them
  cudaStream_t s = static_cast<cudaStream_t>(stream_);
  KernelParams kp{};
  kp.weights = weights_;
  kp.state = state_;
  kp.counters = counters_;
  kp.tensors = table_;
  kp.queues = queues_;
  kp.queueStart = queueStart_;
  kp.queueLen = queueLen_;
  kp.status = status_;
  kp.weightBytes = weightBytes_;
  kp.stateBytes = stateBytes_;
  kp.watchdogNs = watchdogNs;
  kp.tensorCount = tensorCount_;
  kp.counterCount = counterCount_;
  kp.numQueues = numQueues_;
  kp.maxQueueLen = maxQueueLen_;
  kp.steps = steps;
  kp.pos0 = pos0;
  kp.epoch0 = epoch0;
  kp.tokensPerStep = tokensPerStep;
  // The decode instance gets none, so its plans never choose the tensor-core path (matmul_plan.cuh).
  kp.tensorMaps = hasMatmul_ ? tensorMaps_ : nullptr;
  kp.tensorMapOk = hasMatmul_ ? tensorMaps_ + size_t(tensorCount_) * kTensorMapBytes : nullptr;
  if (timing) {
    const uint64_t need = uint64_t(numQueues_) * steps * maxQueueLen_ * sizeof(InstrTiming);
    if (need > timingBytes_) {
      cudaFree(timings_);
      timings_ = nullptr;
      timingBytes_ = 0;
      check(cudaMalloc(&timings_, need), "cudaMalloc(timings)");
      timingBytes_ = need;
    }
    check(cudaMemsetAsync(timings_, 0, need, s), "cudaMemset(timings)");
    kp.timings = timings_;
    lastTimingBytes_ = need;
  }
  check(cudaMemsetAsync(status_, 0, sizeof(KernelStatus), s), "cudaMemset(status)");
  cudaEvent_t a, b;
  check(cudaEventCreate(&a), "cudaEventCreate");
  check(cudaEventCreate(&b), "cudaEventCreate");
  RunResult r;
  try {
    check(cudaEventRecord(a, s), "cudaEventRecord");
    check(megakernel_launch(kp, s, hasMatmul_), "cudaLaunchCooperativeKernel(megakernel)");
    check(cudaEventRecord(b, s), "cudaEventRecord");
    check(cudaStreamSynchronize(s), "megakernel");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, a, b), "cudaEventElapsedTime");
    r.elapsedMs = ms;
    check(cudaMemcpy(&r.status, status_, sizeof(KernelStatus), cudaMemcpyDeviceToHost), "cudaMemcpy(status)");
  } catch (...) {
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    throw;
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return r;
}

std::vector<uint8_t> Session::readTimings() const {
  std::vector<uint8_t> out(lastTimingBytes_);
  if (lastTimingBytes_) check(cudaMemcpy(out.data(), timings_, lastTimingBytes_, cudaMemcpyDeviceToHost), "cudaMemcpy(timings)");
  return out;
}

double Session::copyBandwidth(uint64_t bytes, int iterations) {
  check(cudaSetDevice(device_), "cudaSetDevice");
  uint8_t *a = nullptr, *b = nullptr;
  check(cudaMalloc(&a, bytes), "cudaMalloc(bandwidth a)");
  try {
    check(cudaMalloc(&b, bytes), "cudaMalloc(bandwidth b)");
  } catch (...) {
    cudaFree(a);
    throw;
  }
  cudaStream_t s = static_cast<cudaStream_t>(stream_);
  cudaEvent_t e0, e1;
  cudaEventCreate(&e0);
  cudaEventCreate(&e1);
  cudaMemsetAsync(a, 1, bytes, s);
  cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice, s);  // warm-up
  cudaEventRecord(e0, s);
  for (int i = 0; i < iterations; ++i) {
    cudaMemcpyAsync((i & 1) ? a : b, (i & 1) ? b : a, bytes, cudaMemcpyDeviceToDevice, s);
  }
  cudaEventRecord(e1, s);
  cudaError_t err = cudaStreamSynchronize(s);
  float ms = 0;
  cudaEventElapsedTime(&ms, e0, e1);
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  cudaFree(a);
  cudaFree(b);
  check(err, "copyBandwidth");
  return 2.0 * double(bytes) * iterations / (double(ms) * 1e-3) / 1e9;
}

}  // namespace mk
