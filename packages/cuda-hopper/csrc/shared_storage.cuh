// The block's shared memory: the weight ring, the staged input vector, row accumulators, the
// decoded-instruction ring and their mbarriers. About 212 KB of the H100's 227 KB.
#pragma once
#include <cstdint>

#include "config.cuh"
#include "plan.cuh"

namespace mk {

struct SharedStorage {
  alignas(1024) uint8_t ring[Cfg::kStages][Cfg::kStageBytes];  // weight stages (bulk and tensor copy targets)
  alignas(16) float xs[Cfg::kMaxVector];                     // staged fp32 input (attention scratch too)
  alignas(16) float acc[2][Cfg::kRowBlock];                   // per-row dot products of a row block
  Plan plans[Cfg::kPlans];
  uint64_t full[Cfg::kStages];   // loader -> consumers: stage landed (1 arrival + bytes)
  uint64_t empty[Cfg::kStages];  // consumers -> loader: stage read (one arrival per consumer warp)
  uint64_t planFull[Cfg::kPlans];
  uint64_t planEmpty[Cfg::kPlans];
  unsigned long long keys[Cfg::kConsumerWarps];
  float red[2][Cfg::kConsumerWarps];
  uint32_t flag;
  uint32_t count;  // SAMPLE: candidate keys counted or gathered; the LM head: its greedy verdict
  int32_t token;  // EMBED_GATHER: the token chosen by the elected thread
};

constexpr size_t kSharedBytes = sizeof(SharedStorage);
static_assert(kSharedBytes <= 227 * 1024, "shared storage exceeds the H100's 227 KB per block");

}  // namespace mk
