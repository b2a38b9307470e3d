/**
 * Test variants name compile options for every fixture; split-K needs the fused ops, which the models of
 * the op-per-step chain (OLMo-2, Gemma 2) do not take, so their variants run the same shape without it.
 */
import type { RuntimeModelConfig } from '@megakernel/isa';
import { type CompileOptions, needsOpChain } from '@megakernel/scheduler';

export function variantOptions<T extends Partial<CompileOptions>>(config: RuntimeModelConfig, options: T): T {
  if (!needsOpChain(config) || options.splitK === undefined) return options;
  const { splitK: _, ...rest } = options;
  return rest as T;
}
