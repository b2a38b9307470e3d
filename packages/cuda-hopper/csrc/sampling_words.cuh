// SAMPLE's parameter words (ISA: SAMPLING_PARAMS; isa sampling-params.ts decodeSamplingParams): topK,
// 0, temperature and topP as f64 (low word first), 0, 0. The host writes them before the launch and no
// instruction writes them, so every read in a launch sees the same words.
#pragma once
#include <cstdint>

namespace mk {

constexpr uint32_t kSamplingWords = 8;  // ISA: SAMPLING_WORDS

__device__ __forceinline__ double f64_at(const uint32_t* w, int i) {
  return __hiloint2double(int(__ldcg(w + i + 1)), int(__ldcg(w + i)));
}

struct SamplingWords {
  uint32_t topK;  // as written: 0 for greedy settings
  double temperature, topP;
};

__device__ __forceinline__ SamplingWords read_sampling_words(const uint32_t* w) {
  return {__ldcg(w), f64_at(w, 2), f64_at(w, 4)};
}

// SAMPLE keeps the argmax (ISA greedySamplingWords): topK 0 or 1 (zeroed words too) or temperature 0.
__device__ __forceinline__ bool greedy_sampling(const SamplingWords& s) {
  return s.topK <= 1 || s.temperature == 0.0;
}

}  // namespace mk
