// A device handle (TypeScript's CudaDevice; the addon exports it as `Session`): one device, its arenas
// (weights, state), a loaded program and the launch. Plain C++ (no Node-API); every CUDA failure throws
// CudaError carrying CUDA's own message. The destructor frees everything it holds, and so does a
// constructor that throws.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime.h"

namespace mk {

class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DeviceInfo {
  int index = 0;
  std::string name;
  int major = 0, minor = 0;
  int smCount = 0;
  uint64_t memoryBytes = 0;
  uint64_t l2Bytes = 0;
  int sharedPerBlockOptin = 0;
  int clockKHz = 0;
  int memoryClockKHz = 0;
  int busWidthBits = 0;
  bool cooperativeLaunch = false;
};

struct ProbeResult {
  bool ok = false;
  std::string error;  // why no GPU can run the kernel (no driver, no device, ...)
  int driverVersion = 0;
  int runtimeVersion = 0;
  std::vector<DeviceInfo> devices;
  uint64_t kernelSharedBytes = 0;
  int kernelThreads = 0;
};

// Never throws: a missing driver or device is reported in the result.
ProbeResult probe();

struct RunResult {
  double elapsedMs = 0;  // kernel time by CUDA events
  KernelStatus status{};
};

class Session {
 public:
  explicit Session(int device);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const DeviceInfo& info() const { return info_; }

  void allocWeights(uint64_t bytes);
  // Host bytes -> weights[offset ..], through a pinned staging buffer in chunks.
  void writeWeights(uint64_t offset, const void* data, uint64_t bytes);
  void readWeights(uint64_t offset, void* out, uint64_t bytes);
  // Deterministic pseudo-random values center + scale * u, u uniform in [-1, 1), stored as `dtype`.
  void fillWeightsRandom(uint64_t offset, uint64_t count, int dtype, uint32_t seed, float scale, float center);

  // The tensor table (32-byte descriptors) and queues (64-byte instructions), copied to the device.
  void loadProgram(const uint8_t* table, uint32_t tensorCount, const uint8_t* queues, const std::vector<uint32_t>& queueLens,
                   uint32_t counterCount, uint64_t stateBytes);
  // Another program over the loaded state (same stateBytes; the caller checks the layouts agree): its
  // table, queues and fresh counters replace the loaded ones; state and weights stay.
  void swapQueues(const uint8_t* table, uint32_t tensorCount, const uint8_t* queues, const std::vector<uint32_t>& queueLens,
                  uint32_t counterCount, uint64_t stateBytes);
  void writeState(uint64_t offset, const void* data, uint64_t bytes);
  void readState(uint64_t offset, void* out, uint64_t bytes);
  void fillState(uint64_t offset, uint64_t bytes, uint8_t value);
  void zeroCounters();
  void readCounters(uint32_t* out, uint32_t count);

  // One cooperative launch running `steps` steps from (pos0, epoch0); a prefill program's steps work on
  // tokensPerStep positions each (step s from pos0 + s * tokensPerStep).
  RunResult run(uint32_t steps, uint32_t pos0, uint32_t epoch0, bool timing, uint64_t watchdogNs,
                uint32_t tokensPerStep = 1);
  // InstrTiming records of the last timed run: [queues][steps][maxQueueLen].
  std::vector<uint8_t> readTimings() const;
  uint32_t maxQueueLen() const { return maxQueueLen_; }
  uint32_t numQueues() const { return numQueues_; }

  // Device-to-device copy bandwidth: (bytes read + bytes written) / time, GB/s (1e9).
  double copyBandwidth(uint64_t bytes, int iterations);

 private:
  void freeProgram();
  void freeQueues();
  void checkProgram(const uint8_t* table, uint32_t tensorCount, const std::vector<uint32_t>& queueLens, uint64_t stateBytes,
                    const char* what) const;
  void loadQueues(const uint8_t* table, uint32_t tensorCount, const uint8_t* queues, const std::vector<uint32_t>& queueLens,
                  uint32_t counterCount);
  // The tensor maps of the loaded table over the current arenas, encoded again when either moved.
  void ensureTensorMaps();
  // Frees every device and host resource held; safe to call again.
  void release() noexcept;
  int device_;
  DeviceInfo info_;
  void* stream_ = nullptr;
  uint8_t* weights_ = nullptr;
  uint64_t weightBytes_ = 0;
  uint8_t* state_ = nullptr;
  uint64_t stateBytes_ = 0;
  uint32_t* counters_ = nullptr;
  uint32_t counterCount_ = 0;
  uint8_t* table_ = nullptr;
  uint32_t tensorCount_ = 0;
  std::vector<uint8_t> hostTable_;  // the loaded table, for encoding its tensor maps
  uint8_t* tensorMaps_ = nullptr;   // [tensorCount] 128-byte maps, then [tensorCount] ok bytes
  const uint8_t* mapsWeights_ = nullptr;  // the arenas the maps were encoded over (null: none yet)
  const uint8_t* mapsState_ = nullptr;
  uint8_t* queues_ = nullptr;
  uint32_t* queueStart_ = nullptr;
  uint32_t* queueLen_ = nullptr;
  uint32_t numQueues_ = 0;
  uint32_t maxQueueLen_ = 0;
  bool hasMatmul_ = false;  // the loaded program has MATMUL: the tensor-core kernel instance
  KernelStatus* status_ = nullptr;
  InstrTiming* timings_ = nullptr;
  uint64_t timingBytes_ = 0;
  uint64_t lastTimingBytes_ = 0;
  uint8_t* pinned_[2] = {nullptr, nullptr};
  void* pinnedDone_[2] = {nullptr, nullptr};
};

}  // namespace mk
