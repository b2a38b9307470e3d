// GENERATED from KERNEL_LIMITS in packages/cuda-hopper/src/kernel-limits.ts; do not edit.
// Regenerate: pnpm vitest run --project cuda-hopper src/kernel-limits.test.ts -u
// The limits the TypeScript backend checks programs against (capabilities.ts); config.cuh sizes the
// kernel with them.
#pragma once
#include <cstdint>

namespace mk {

constexpr uint32_t KERNEL_MAX_VECTOR = 8192;  // input columns per matrix instruction
constexpr uint32_t KERNEL_MAX_HEAD_DIM = 256;  // attention head_dim

}  // namespace mk
