/** Which lowering a model takes, decided once for the tensor plan, the options and the lowering. */
import type { RuntimeModelConfig } from '@megakernel/isa';

/**
 * Models the fused ops cannot express, which take the op-per-step chain in both modes: output norms
 * (OLMo-2, Gemma 2: a norm of a projection's output needs the whole output first), a final logit
 * soft-cap (the fused LM head has none), and a mixture of experts (Mixtral: the experts' products are
 * MOE_MATVEC, which no fused op has).
 */
export function needsOpChain(config: RuntimeModelConfig): boolean {
  return config.normPlacement !== 'pre' || config.finalLogitSoftcap !== null || config.moe !== null;
}

/**
 * Input columns one MATVEC instruction of the op-per-step chain takes: the Hopper kernel stages at most
 * 8,192 (cuda-hopper's KERNEL_LIMITS.maxVector; a runtime test keeps the two equal). A wider product
 * (Gemma-2-2B's down projection, K = 9,216) is zeroed, then added in column parts one after another.
 */
export const OP_CHAIN_MAX_K = 8192;

/** The column ranges [start, count) a K-wide product is added in: whole 16-column blocks, each ≤ max. */
export function columnParts(K: number, max = OP_CHAIN_MAX_K): [number, number][] {
  if (K <= max) return [[0, K]];
  const parts = Math.ceil(K / max);
  const width = Math.ceil(K / parts / 16) * 16;
  const out: [number, number][] = [];
  for (let k = 0; k < K; k += width) out.push([k, Math.min(width, K - k)]);
  return out;
}
