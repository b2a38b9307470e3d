/**
 * Dependency counters: u32 words in global memory that only ever grow (never reset between tokens).
 * A wait with per-step target T in decode step `epoch` is satisfied once the counter reaches
 * T * (epoch + 1), or T * epoch when the wait refers to the previous step. Both VMs compare modulo
 * 2^32 (`(int32)(value - threshold) >= 0`), so a launch may run any number of steps without wrapping
 * trouble as long as no counter runs 2^31 ahead of a waiter; targets are therefore below 2^31.
 */

export const COUNTER_TARGET_LIMIT = 0x80000000;

export function waitThreshold(target: number, epoch: number, previousStep: boolean): number {
  const steps = previousStep ? epoch : epoch + 1;
  return Number((BigInt(target) * BigInt(steps)) & 0xffffffffn);
}

export function counterReached(value: number, threshold: number): boolean {
  return ((value - threshold) | 0) >= 0;
}
