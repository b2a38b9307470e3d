// What the host hands the kernel (KernelParams), what the kernel reports back (KernelStatus), and
// the per-instruction timing record. Plain structs shared by the .cu files and the addon.
#pragma once
#include <cstdint>

namespace mk {

// Why the kernel stopped early (KernelStatus::code).
enum StatusCode : uint32_t {
  STATUS_OK = 0,
  STATUS_WATCHDOG = 1,        // a dependency wait exceeded the time bound
  STATUS_BAD_TENSOR = 2,      // tensor id out of the table, or a missing required operand
  STATUS_BAD_EXTENT = 3,      // a tile reaches outside its tensor
  STATUS_BAD_OPCODE = 4,      // an opcode this kernel does not execute
  STATUS_BAD_DTYPE = 5,       // an operand dtype this kernel does not handle
  STATUS_BAD_TOKEN = 6,       // a token id outside the embedding table, or no argmax to continue from
  STATUS_UNSUPPORTED = 7,     // a shape this kernel does not handle (e.g. head_dim > 128)
};

// Written once, by the first SM that fails (claimed with atomicCAS on `code`).
struct KernelStatus {
  uint32_t abort;      // every spinner polls this; nonzero = stop
  uint32_t code;       // StatusCode
  uint32_t sm;         // queue (block) that reported
  uint32_t instr;      // instruction index in that queue
  uint32_t step;       // decode step within the launch
  uint32_t opcode;
  uint32_t counter;    // watchdog: counter id waited on
  uint32_t threshold;  // watchdog: value it had to reach
  uint32_t seen;       // watchdog: last value read
  uint32_t detail;     // extra code-specific detail (slot, dimension)
  uint32_t pad[6];
};
static_assert(sizeof(KernelStatus) == 64, "KernelStatus is 64 bytes");

// Per instruction executed, when timing is on: globaltimer at plan receipt, +ns when its waits were
// satisfied, +ns when it signalled. Indexed [block][step][instr].
struct InstrTiming {
  uint64_t start;
  uint32_t waitDone;
  uint32_t end;
};
static_assert(sizeof(InstrTiming) == 16, "InstrTiming is 16 bytes");

struct KernelParams {
  const uint8_t* weights;      // weight arena
  uint8_t* state;              // state arena
  uint32_t* counters;          // dependency counters (never reset)
  const uint8_t* tensors;      // tensor table, 32-byte TensorDesc entries
  const uint8_t* queues;       // all queues, 64-byte instructions back to back
  const uint32_t* queueStart;  // [numQueues] first instruction of each queue
  const uint32_t* queueLen;    // [numQueues]
  KernelStatus* status;
  InstrTiming* timings;        // null = timing off; else [numQueues][steps][maxQueueLen]
  uint64_t weightBytes;
  uint64_t stateBytes;
  uint64_t watchdogNs;
  uint32_t tensorCount;
  uint32_t counterCount;
  uint32_t numQueues;
  uint32_t maxQueueLen;
  uint32_t steps;
  uint32_t pos0;
  uint32_t epoch0;
  uint32_t tokensPerStep;      // prefill: positions per step (step s works on pos0 + s * T ..); 1 in decode
  const uint8_t* tensorMaps;   // [tensorCount] 128-byte TMA tensor maps (2-D bf16 views), for MATMUL
  const uint8_t* tensorMapOk;  // [tensorCount] 1 where tensorMaps holds a valid map of that tensor
};

}  // namespace mk
