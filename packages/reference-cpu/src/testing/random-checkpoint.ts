/**
 * An in-memory Checkpoint with seeded random weights, for tests and benchmarks that must not touch
 * the hub: any RuntimeModelConfig, weights scaled so activations stay O(1) through many layers,
 * optionally rounded to bf16 as real checkpoints are. Tensor names are `<role>` or `layers.<l>.<role>`.
 */
import { hasInputNorms, hasOutputNorms, type RuntimeModelConfig, type WeightSource } from '@megakernel/isa';
import { type Checkpoint, isLayerRole, type TensorInfo, type WeightRole } from '@megakernel/model';
import { roundArrayToDtype } from '../maths/dtype-convert.js';
import { createRng } from '../maths/prng.js';

export interface RandomCheckpointOptions {
  readonly seed?: number;
  /** Round every weight to bf16 (default true), so a bf16 weight arena holds them exactly. */
  readonly bf16?: boolean;
}

/** Shape of each role the config calls for; roles the model lacks are absent. */
function roleShapes(
  c: RuntimeModelConfig,
): Map<string, { shape: number[]; kind: 'linear' | 'norm' | 'bias' | 'embed' }> {
  const H = c.hiddenSize;
  const I = c.intermediateSize;
  const qd = c.numHeads * c.headDim;
  const kvd = c.numKvHeads * c.headDim;
  const m = new Map<string, { shape: number[]; kind: 'linear' | 'norm' | 'bias' | 'embed' }>();
  const layerNormBias = c.norm === 'layer' && c.normBias;
  for (let l = 0; l < c.numLayers; l++) {
    const p = `layers.${l}.`;
    if (hasInputNorms(c)) m.set(`${p}attnNorm`, { shape: [H], kind: 'norm' });
    if (layerNormBias) m.set(`${p}attnNormBias`, { shape: [H], kind: 'bias' });
    m.set(`${p}q`, { shape: [qd, H], kind: 'linear' });
    m.set(`${p}k`, { shape: [kvd, H], kind: 'linear' });
    m.set(`${p}v`, { shape: [kvd, H], kind: 'linear' });
    if (c.qkvBias) {
      m.set(`${p}qBias`, { shape: [qd], kind: 'bias' });
      m.set(`${p}kBias`, { shape: [kvd], kind: 'bias' });
      m.set(`${p}vBias`, { shape: [kvd], kind: 'bias' });
    }
    if (c.qkNorm !== 'none') {
      const whole = c.qkNorm === 'whole';
      m.set(`${p}qNorm`, { shape: [whole ? qd : c.headDim], kind: 'norm' });
      m.set(`${p}kNorm`, { shape: [whole ? kvd : c.headDim], kind: 'norm' });
    }
    m.set(`${p}o`, { shape: [H, qd], kind: 'linear' });
    if (c.oBias) m.set(`${p}oBias`, { shape: [H], kind: 'bias' });
    if (hasInputNorms(c)) m.set(`${p}mlpNorm`, { shape: [H], kind: 'norm' });
    if (hasOutputNorms(c)) {
      m.set(`${p}attnOutNorm`, { shape: [H], kind: 'norm' });
      m.set(`${p}mlpOutNorm`, { shape: [H], kind: 'norm' });
    }
    if (layerNormBias) m.set(`${p}mlpNormBias`, { shape: [H], kind: 'bias' });
    if (c.moe !== null) {
      // The router and the experts' stacked projections instead of a dense MLP.
      const E = c.moe.numExperts;
      m.set(`${p}router`, { shape: [E, H], kind: 'linear' });
      m.set(`${p}expertGate`, { shape: [E, I, H], kind: 'linear' });
      m.set(`${p}expertUp`, { shape: [E, I, H], kind: 'linear' });
      m.set(`${p}expertDown`, { shape: [E, H, I], kind: 'linear' });
    } else {
      if (c.mlpGated) m.set(`${p}gate`, { shape: [I, H], kind: 'linear' });
      m.set(`${p}up`, { shape: [I, H], kind: 'linear' });
      m.set(`${p}down`, { shape: [H, I], kind: 'linear' });
    }
    if (c.mlpBias) {
      if (c.mlpGated) m.set(`${p}gateBias`, { shape: [I], kind: 'bias' });
      m.set(`${p}upBias`, { shape: [I], kind: 'bias' });
      m.set(`${p}downBias`, { shape: [H], kind: 'bias' });
    }
  }
  m.set('embed', { shape: [c.vocabSize, H], kind: 'embed' });
  if (c.position === 'learned') m.set('positions', { shape: [c.maxPositionEmbeddings, H], kind: 'embed' });
  m.set('finalNorm', { shape: [H], kind: 'norm' });
  if (layerNormBias) m.set('finalNormBias', { shape: [H], kind: 'bias' });
  if (!c.tieWordEmbeddings) m.set('lmHead', { shape: [c.vocabSize, H], kind: 'linear' });
  if (c.lmHeadBias) m.set('lmHeadBias', { shape: [c.vocabSize], kind: 'bias' });
  return m;
}

/** FNV-1a of a tensor name, mixed with the seed: each tensor has its own stream, so tensors can be made lazily. */
function tensorSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function randomCheckpoint(config: RuntimeModelConfig, opts: RandomCheckpointOptions = {}): Checkpoint {
  const seed = opts.seed ?? 1;
  const shapes = roleShapes(config);
  // Values are made on every read (nothing is kept), so a 124M-parameter model costs only what its reader holds.
  const make = (name: string): Float32Array => {
    const spec = shapes.get(name);
    if (!spec) throw new RangeError(`random checkpoint has no tensor '${name}'`);
    const { shape, kind } = spec;
    const rng = createRng(tensorSeed(seed, name));
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const std = kind === 'linear' ? 1 / Math.sqrt(shape[shape.length - 1]!) : kind === 'embed' ? 1 : 0.1;
    const mean = kind === 'norm' ? 1 : 0;
    // Box-Muller, two normal deviates per pair of uniforms.
    for (let i = 0; i < n; i += 2) {
      const r = std * Math.sqrt(-2 * Math.log(1 - rng.nextFloat()));
      const t = 2 * Math.PI * rng.nextFloat();
      data[i] = mean + r * Math.cos(t);
      if (i + 1 < n) data[i + 1] = mean + r * Math.sin(t);
    }
    if (opts.bf16 ?? true) roundArrayToDtype(data, 'bf16');
    return data;
  };
  const nameOf = (role: WeightRole, layer?: number): string => {
    const perLayer = isLayerRole(role);
    if (perLayer && layer === undefined) throw new RangeError(`weight role '${role}' needs a layer`);
    if (role === 'lmHead' && config.tieWordEmbeddings) return 'embed';
    return perLayer ? `layers.${layer}.${role}` : role;
  };
  const shapeOf = (name: string): number[] => {
    const spec = shapes.get(name);
    if (!spec) throw new RangeError(`random checkpoint has no tensor '${name}'`);
    return spec.shape;
  };
  return {
    dir: '<random>',
    config,
    rawConfig: {},
    listTensors: (): TensorInfo[] => [...shapes].map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape })),
    readTensor: make,
    hasWeight: (role, layer) => shapes.has(nameOf(role, layer)),
    weight: (role, layer) => make(nameOf(role, layer)),
    weightSource: (role, layer): WeightSource => {
      const name = nameOf(role, layer);
      shapeOf(name);
      return { kind: 'tensor', name };
    },
    weightShape: (role, layer) => shapeOf(nameOf(role, layer)),
    close: () => {},
  };
}
