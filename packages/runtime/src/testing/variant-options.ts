/**
 * Test variants name compile options for every fixture; split-K needs the fused ops, which a post-norm
 * model (OLMo-2) does not take, so its variants run the same shape without it.
 */
import type { RuntimeModelConfig } from '@megakernel/isa';
import type { CompileOptions } from '@megakernel/scheduler';

export function variantOptions<T extends Partial<CompileOptions>>(config: RuntimeModelConfig, options: T): T {
  if (config.normPlacement === 'pre' || options.splitK === undefined) return options;
  const { splitK: _, ...rest } = options;
  return rest as T;
}
