import { describe, expect, it } from 'vitest';
import { KERNEL_LIMITS as CHECKED } from './capabilities.js';
import { generateKernelLimitsHeader, KERNEL_LIMITS, KERNEL_LIMITS_HEADER_PATH } from './kernel-limits.js';

describe('generated kernel limits header', () => {
  it('the committed csrc/generated/kernel_limits.h is what generateKernelLimitsHeader() writes (-u updates it)', async () => {
    await expect(generateKernelLimitsHeader()).toMatchFileSnapshot(`../${KERNEL_LIMITS_HEADER_PATH}`);
  });
  it('names every limit, and capabilities checks the same ones', () => {
    const h = generateKernelLimitsHeader();
    expect(h).toContain(`KERNEL_MAX_VECTOR = ${KERNEL_LIMITS.maxVector};`);
    expect(h).toContain(`KERNEL_MAX_HEAD_DIM = ${KERNEL_LIMITS.maxHeadDim};`);
    expect(CHECKED).toBe(KERNEL_LIMITS);
  });
});
