// Variant 02 (a bound, not a kernel: results are wrong): consumers wait for each stage and release
// it without reading it, so the time left is the weight stream, the waits and the epilogues.
#pragma once

namespace mk {

struct MatvecLanes {};

__device__ __forceinline__ MatvecLanes matvec_lanes(const Consumer&, const Plan&) { return {}; }

__device__ __forceinline__ void dot_stage_vec(const Consumer&, const Plan&, const StageDesc&, const uint8_t*,
                                              float*, MatvecLanes&) {}

}  // namespace mk
