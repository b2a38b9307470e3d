/**
 * The kernel's size limits, written once. `capabilities.ts` checks programs against them before a
 * launch; `csrc/generated/kernel_limits.h` (generated from this file, included by `csrc/config.cuh`)
 * gives them to the kernel, and `kernel-limits.test.ts` fails when the committed header is stale.
 */
export const KERNEL_LIMITS = {
  /** Input columns of one matrix instruction (the fp32 vector staged in shared memory, config.cuh kMaxVector). */
  maxVector: 8192,
  /** Largest attention head_dim (registers per lane, config.cuh kAttnMaxHeadDim). */
  maxHeadDim: 256,
} as const;

/** Where the generated header lives, relative to the package root. */
export const KERNEL_LIMITS_HEADER_PATH = 'csrc/generated/kernel_limits.h';

export function generateKernelLimitsHeader(): string {
  return [
    '// GENERATED from KERNEL_LIMITS in packages/cuda-hopper/src/kernel-limits.ts; do not edit.',
    '// Regenerate: pnpm vitest run --project cuda-hopper src/kernel-limits.test.ts -u',
    '// The limits the TypeScript backend checks programs against (capabilities.ts); config.cuh sizes the',
    '// kernel with them.',
    '#pragma once',
    '#include <cstdint>',
    '',
    'namespace mk {',
    '',
    `constexpr uint32_t KERNEL_MAX_VECTOR = ${KERNEL_LIMITS.maxVector};  // input columns per matrix instruction`,
    `constexpr uint32_t KERNEL_MAX_HEAD_DIM = ${KERNEL_LIMITS.maxHeadDim};  // attention head_dim`,
    '',
    '}  // namespace mk',
    '',
  ].join('\n');
}
