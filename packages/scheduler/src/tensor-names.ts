/**
 * Names of the tensors a compiled program holds. Reports and the cost model classify tensors by
 * these names, so they are defined once here.
 */
import type { TensorEntry } from '@megakernel/isa';

export const layerTensor = (layer: number, role: string): string => `layers.${layer}.${role}`;
export const kvTensor = (layer: number): string => `kv.${layer}`;

/**
 * How a tensor is served: `weight` and `kv` stream from HBM once per token; `norm` parameters are
 * re-read by every fused-norm tile and `activation`s are small vectors, both served from L2.
 */
export type TensorClass = 'weight' | 'norm' | 'kv' | 'activation';

export function tensorClass(t: Pick<TensorEntry, 'name' | 'region'>): TensorClass {
  if (t.region === 'weights') return /norm$/i.test(t.name) ? 'norm' : 'weight';
  return t.name.startsWith('kv.') ? 'kv' : 'activation';
}
