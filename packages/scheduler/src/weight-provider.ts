/**
 * Where weight tensors come from: a loaded checkpoint (its own WeightSources), or, for a bare config
 * such as a preset, synthetic sources named `${role}.${layer}`: benchmark weights are generated per
 * tensor by the loader, so shapes and traffic are real while no checkpoint is needed.
 */
import { hasInputNorms, hasOutputNorms, type RuntimeModelConfig, type WeightSource } from '@megakernel/isa';
import type { Checkpoint, WeightRole } from '@megakernel/model';

export interface WeightProvider {
  has(role: WeightRole, layer?: number): boolean;
  source(role: WeightRole, layer?: number): WeightSource;
  /** The role's element count when known (a checkpoint knows it), to cross-check the config. */
  elements?(role: WeightRole, layer?: number): number;
}

export function isCheckpoint(x: Checkpoint | RuntimeModelConfig): x is Checkpoint {
  return typeof (x as Checkpoint).weightSource === 'function' && typeof (x as Checkpoint).config === 'object';
}

export function checkpointWeights(checkpoint: Checkpoint): WeightProvider {
  return {
    has: (role, layer) => checkpoint.hasWeight(role, layer),
    source: (role, layer) => checkpoint.weightSource(role, layer),
    elements: (role, layer) => checkpoint.weightShape(role, layer).reduce((a, b) => a * b, 1),
  };
}

export function syntheticWeights(config: RuntimeModelConfig): WeightProvider {
  const has = (role: WeightRole): boolean => {
    switch (role) {
      case 'attnNormBias':
      case 'mlpNormBias':
      case 'finalNormBias':
        return config.normBias;
      case 'qBias':
      case 'kBias':
      case 'vBias':
        return config.qkvBias;
      case 'oBias':
        return config.oBias;
      case 'gate':
        return config.mlpGated;
      case 'gateBias':
        return config.mlpBias && config.mlpGated;
      case 'upBias':
      case 'downBias':
        return config.mlpBias;
      case 'positions':
        return config.position === 'learned';
      case 'lmHeadBias':
        return config.lmHeadBias;
      case 'qNorm':
      case 'kNorm':
        return config.qkNorm !== 'none';
      case 'attnNorm':
      case 'mlpNorm':
        return hasInputNorms(config);
      case 'attnOutNorm':
      case 'mlpOutNorm':
        return hasOutputNorms(config);
      default:
        return true;
    }
  };
  const source = (role: WeightRole, layer?: number): WeightSource => {
    if (role === 'lmHead' && config.tieWordEmbeddings) return source('embed');
    return { kind: 'tensor', name: layer === undefined ? role : `${role}.${layer}` };
  };
  return { has, source };
}
