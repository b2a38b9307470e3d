/**
 * The tensor table of a decode program, as specs for `planMemory`: weights by layer and role (Q/K
 * rows permuted into interleaved RoPE order, Q, K and V fused into one matrix), then the state the
 * instructions share. Identical weight sources share one entry (a tied LM head is the embedding).
 */
import {
  CANDIDATES_PER_LIST,
  hasInputNorms,
  hasOutputNorms,
  qDim,
  qkvDim,
  type RuntimeModelConfig,
  rotaryDim,
  SAMPLING_WORDS,
  type WeightSource,
} from '@megakernel/isa';
import type { WeightRole } from '@megakernel/model';
import { needsOpChain } from './op-chain.js';
import { CompileError } from './options.js';
import type { TensorSpec } from './plan-memory.js';
import { kvTensor, layerTensor } from './tensor-names.js';
import type { WeightProvider } from './weight-provider.js';

export interface LayerTensorIds {
  /** Input norms of attention and the MLP (pre-norm models). */
  readonly attnNorm?: number;
  readonly qkv: number;
  readonly qkvBias?: number;
  /**
   * Norm weights of q and k in the interleaved order of the Q/K rows: [1, d] per head (Qwen3), or
   * [1, heads * d] over the whole projection (OLMo-2).
   */
  readonly qNorm?: number;
  readonly kNorm?: number;
  readonly o: number;
  readonly oBias?: number;
  readonly mlpNorm?: number;
  /** Output norms of attention and the MLP, before the residual adds (post-norm models: OLMo-2). */
  readonly attnOutNorm?: number;
  readonly mlpOutNorm?: number;
  readonly gate?: number;
  /** The dense MLP's projections (absent with experts). */
  readonly up?: number;
  readonly gateBias?: number;
  readonly upBias?: number;
  readonly down?: number;
  readonly downBias?: number;
  /** A mixture of experts' router [E, hidden] and stacked experts [E, out, in] (Mixtral). */
  readonly experts?: ExpertTensorIds;
  readonly kv: number;
}

export interface ExpertTensorIds {
  readonly router: number;
  readonly gate: number;
  readonly up: number;
  readonly down: number;
}

/** The routing state a mixture-of-experts layer shares with the next (one set for all layers). */
export interface MoeStateIds {
  /** The router's logits [E]. */
  readonly logits: number;
  /** MOE_ROUTE's decision [2·topK]: experts, then weights. */
  readonly route: number;
  /** Per slot (chosen expert): its gate and up products and the activation [intermediate] each. */
  readonly gateOut: readonly number[];
  readonly upOut: readonly number[];
  readonly act: readonly number[];
}

export interface TensorIds {
  readonly layers: readonly LayerTensorIds[];
  readonly embed: number;
  readonly positions?: number;
  readonly finalNorm: number;
  readonly lmHead: number;
  readonly lmHeadBias?: number;
  readonly tokens: number;
  readonly argmax: number;
  readonly hidden: number;
  readonly q: number;
  readonly attnOut: number;
  readonly partialO?: number;
  readonly partialLse?: number;
  readonly mlpAct: number;
  readonly logits: number;
  readonly rope?: number;
  /**
   * The projected [Q; K; V] as [Hq + 2 Hkv, d] f32, for steps that sit between the projection and
   * the cache: always in unfused mode (also `scratch.qkvOut`), and with q/k norms in fused mode.
   */
  readonly qkvOut?: number;
  /** Unfused mode only. */
  readonly scratch?: UnfusedScratchIds;
  /** Mixture-of-experts models only. */
  readonly moe?: MoeStateIds;
  /** Programs with a device sampler only (SAMPLE's operands, the host writes sampling and uniforms). */
  readonly sampler?: { readonly candidates: number; readonly sampling: number; readonly uniforms: number };
}

/** Intermediate vectors the unfused lowering materialises. */
export interface UnfusedScratchIds {
  readonly normed: number;
  readonly qkvOut: number;
  readonly projOut: number;
  readonly gateOut: number;
  readonly upOut: number;
}

export interface ProgramTensors {
  readonly specs: readonly TensorSpec[];
  readonly ids: TensorIds;
}

export interface TensorPlanOptions {
  readonly maxSeqLen: number;
  readonly kvDtype: 'bf16' | 'f32';
  readonly attentionChunks: number;
  /**
   * Chunks the partials' scratch is laid out for (default attentionChunks): with more, the partials
   * exist even at one chunk and reserve room for this many, so that programs compiled with any chunk
   * count up to it share every other tensor's id and offset.
   */
  readonly partialCapacity?: number;
  readonly fused: boolean;
  /**
   * Prefill programs: tokens per step; the activations and scratch get a token axis [T, ...], and the
   * logits too when every token's are wanted.
   */
  readonly tokens?: number;
  readonly allLogits?: boolean;
  /** Prefill: the dtype of the products' inputs (normed, attnOut, mlpAct); f32 by default. */
  readonly matmulInputs?: 'f32' | 'bf16';
  /** A device sampler: one candidate list per LM head tile. */
  readonly candidateLists?: number;
}

/** Whether a source's values are computed (1 + w) rather than copied, so bf16 would round them. */
function addsOne(source: WeightSource): boolean {
  switch (source.kind) {
    case 'add-one':
      return true;
    case 'concat':
    case 'stack':
      return source.parts.some(addsOne);
    case 'rows':
    case 'rope-permute':
      return addsOne(source.source);
    default:
      return false;
  }
}

export function programTensors(
  config: RuntimeModelConfig,
  weights: WeightProvider,
  o: TensorPlanOptions,
): ProgramTensors {
  const specs: TensorSpec[] = [];
  const bySource = new Map<string, number>();
  const h = config.hiddenSize;
  const i = config.intermediateSize;
  const v = config.vocabSize;

  /** Cross-checks the config against the checkpoint: the roles' element counts must add up to the tensor's. */
  const expect = (name: string, elements: number, roles: readonly WeightRole[], layer?: number): void => {
    if (weights.elements === undefined) return;
    const known = roles.reduce((n, r) => n + weights.elements!(r, layer), 0);
    if (known !== elements) {
      throw new CompileError(
        'unsupported-model',
        `${name}: checkpoint has ${known} elements, the config implies ${elements}`,
      );
    }
  };
  const addWeight = (
    spec: Omit<TensorSpec, 'region' | 'dtype'> & { readonly dtype?: 'bf16' | 'f32' },
    roles: readonly WeightRole[],
    layer?: number,
  ): number => {
    expect(
      spec.name,
      spec.shape.reduce((a, b) => a * b, 1),
      roles,
      layer,
    );
    const key = `${spec.shape.join('x')}|${JSON.stringify(spec.source)}`;
    const existing = bySource.get(key);
    if (existing !== undefined) return existing;
    specs.push({ dtype: 'bf16', ...spec, region: 'weights' });
    bySource.set(key, specs.length - 1);
    return specs.length - 1;
  };
  const T = o.tokens ?? 1;
  // A prefill program (tokens set, even 1) gives its activations a token axis: its MATMULs take [T, K].
  const perToken = (category: string): boolean =>
    o.tokens !== undefined &&
    (category === 'activations' || category === 'scratch' || (category === 'logits' && o.allLogits === true));
  const addState = (spec: Omit<TensorSpec, 'region'>): number => {
    const tokenRows = perToken(spec.category) ? { shape: [T, ...spec.shape], tokenAxis: true } : {};
    specs.push({ init: { kind: 'zero' }, ...spec, ...tokenRows, region: 'state' });
    return specs.length - 1;
  };
  const optional = (role: WeightRole, layer: number | undefined, make: () => number): number | undefined =>
    weights.has(role, layer) ? make() : undefined;
  const normParams = (
    name: string,
    gamma: WeightRole,
    beta: WeightRole | undefined,
    layer?: number,
  ): number => {
    const hasBeta = beta !== undefined && weights.has(beta, layer);
    const source: WeightSource = hasBeta
      ? { kind: 'concat', parts: [weights.source(gamma, layer), weights.source(beta!, layer)] }
      : weights.source(gamma, layer);
    return addWeight(
      {
        name,
        shape: [hasBeta ? 2 : 1, h],
        source,
        // 1 + w (Gemma) is not a bf16 value, so such norm weights stay f32.
        ...(addsOne(source) ? { dtype: 'f32' as const } : {}),
        category: 'norms',
        ...(layer !== undefined ? { layer } : {}),
      },
      hasBeta ? [gamma, beta] : [gamma],
      layer,
    );
  };
  // Interleaved-RoPE order for checkpoints stored in rotate-half order (decisions.md).
  const rot = rotaryDim(config);
  const permute = (source: WeightSource, heads: number): WeightSource =>
    rot > 0 && config.ropeLayout === 'rotate-half'
      ? { kind: 'rope-permute', source, heads, headDim: config.headDim, rotaryDim: rot }
      : source;

  const layers: LayerTensorIds[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    const w = (name: string, shape: number[], source: WeightSource, ...roles: WeightRole[]): number =>
      addWeight({ name: layerTensor(l, name), shape, source, category: 'layer-weights', layer: l }, roles, l);
    const pre = hasInputNorms(config);
    const attnNorm = pre ? normParams(layerTensor(l, 'attnNorm'), 'attnNorm', 'attnNormBias', l) : undefined;
    const qkvSource: WeightSource = {
      kind: 'concat',
      parts: [
        permute(weights.source('q', l), config.numHeads),
        permute(weights.source('k', l), config.numKvHeads),
        weights.source('v', l),
      ],
    };
    const qkv = w('qkv', [qkvDim(config), h], qkvSource, 'q', 'k', 'v');
    const biases = (['qBias', 'kBias', 'vBias'] as const).filter((r) => weights.has(r, l));
    if (biases.length !== 0 && biases.length !== 3) {
      throw new CompileError(
        'unsupported-model',
        `layer ${l} has ${biases.join(', ')} but not all of q/k/v biases`,
      );
    }
    const qkvBias =
      biases.length === 3
        ? w(
            'qkvBias',
            [qkvDim(config)],
            {
              kind: 'concat',
              parts: [
                permute(weights.source('qBias', l), config.numHeads),
                permute(weights.source('kBias', l), config.numKvHeads),
                weights.source('vBias', l),
              ],
            },
            'qBias',
            'kBias',
            'vBias',
          )
        : undefined;
    // The norm weight is permuted like each head's rows, so norm and rows stay paired (RMS is order-free).
    const whole = config.qkNorm === 'whole';
    const headNorm = (role: 'qNorm' | 'kNorm'): number => {
      const heads = whole ? (role === 'qNorm' ? config.numHeads : config.numKvHeads) : 1;
      return addWeight(
        {
          name: layerTensor(l, role),
          shape: [1, heads * config.headDim],
          source: permute(weights.source(role, l), heads),
          category: 'norms',
          layer: l,
        },
        [role],
        l,
      );
    };
    const qNorm = optional('qNorm', l, () => headNorm('qNorm'));
    const kNorm = optional('kNorm', l, () => headNorm('kNorm'));
    if (
      (qNorm === undefined) !== (config.qkNorm === 'none') ||
      (qNorm === undefined) !== (kNorm === undefined)
    ) {
      throw new CompileError(
        'unsupported-model',
        `layer ${l}: the config's q/k norm (${config.qkNorm}) does not match the checkpoint's q_norm/k_norm weights`,
      );
    }
    const o = w('o', [h, qDim(config)], weights.source('o', l), 'o');
    const oBias = optional('oBias', l, () => w('oBias', [h], weights.source('oBias', l), 'oBias'));
    const mlpNorm = pre ? normParams(layerTensor(l, 'mlpNorm'), 'mlpNorm', 'mlpNormBias', l) : undefined;
    const outNorm = (role: 'attnOutNorm' | 'mlpOutNorm'): number | undefined =>
      hasOutputNorms(config) ? normParams(layerTensor(l, role), role, undefined, l) : undefined;
    const moe = config.moe;
    const experts: ExpertTensorIds | undefined =
      moe === null
        ? undefined
        : {
            router: w('router', [moe.numExperts, h], weights.source('router', l), 'router'),
            gate: w('expertGate', [moe.numExperts, i, h], weights.source('expertGate', l), 'expertGate'),
            up: w('expertUp', [moe.numExperts, i, h], weights.source('expertUp', l), 'expertUp'),
            down: w('expertDown', [moe.numExperts, h, i], weights.source('expertDown', l), 'expertDown'),
          };
    const dense = experts === undefined;
    const gate = config.mlpGated && dense ? w('gate', [i, h], weights.source('gate', l), 'gate') : undefined;
    const up = dense ? w('up', [i, h], weights.source('up', l), 'up') : undefined;
    const gateBias = config.mlpGated
      ? optional('gateBias', l, () => w('gateBias', [i], weights.source('gateBias', l), 'gateBias'))
      : undefined;
    const upBias = optional('upBias', l, () => w('upBias', [i], weights.source('upBias', l), 'upBias'));
    const down = dense ? w('down', [h, i], weights.source('down', l), 'down') : undefined;
    const downBias = optional('downBias', l, () =>
      w('downBias', [h], weights.source('downBias', l), 'downBias'),
    );
    const attnOutNorm = outNorm('attnOutNorm');
    const mlpOutNorm = outNorm('mlpOutNorm');
    layers.push({
      qkv,
      o,
      kv: -1,
      ...(up !== undefined ? { up } : {}),
      ...(down !== undefined ? { down } : {}),
      ...(experts !== undefined ? { experts } : {}),
      ...(attnNorm !== undefined ? { attnNorm } : {}),
      ...(mlpNorm !== undefined ? { mlpNorm } : {}),
      ...(attnOutNorm !== undefined ? { attnOutNorm } : {}),
      ...(mlpOutNorm !== undefined ? { mlpOutNorm } : {}),
      ...(qkvBias !== undefined ? { qkvBias } : {}),
      ...(qNorm !== undefined ? { qNorm } : {}),
      ...(kNorm !== undefined ? { kNorm } : {}),
      ...(oBias !== undefined ? { oBias } : {}),
      ...(gate !== undefined ? { gate } : {}),
      ...(gateBias !== undefined ? { gateBias } : {}),
      ...(upBias !== undefined ? { upBias } : {}),
      ...(downBias !== undefined ? { downBias } : {}),
    });
  }
  const embed = addWeight(
    { name: 'embed', shape: [v, h], source: weights.source('embed'), category: 'embedding' },
    ['embed'],
  );
  const positions =
    config.position === 'learned'
      ? addWeight(
          {
            name: 'positions',
            shape: [config.maxPositionEmbeddings, h],
            source: weights.source('positions'),
            category: 'embedding',
          },
          ['positions'],
        )
      : undefined;
  const finalNorm = normParams('finalNorm', 'finalNorm', 'finalNormBias');
  const lmHead = addWeight(
    { name: 'lmHead', shape: [v, h], source: weights.source('lmHead'), category: 'lm-head' },
    ['lmHead'],
  );
  const lmHeadBias = optional('lmHeadBias', undefined, () =>
    addWeight({ name: 'lmHeadBias', shape: [v], source: weights.source('lmHeadBias'), category: 'lm-head' }, [
      'lmHeadBias',
    ]),
  );

  const s = o.maxSeqLen;
  const d = config.headDim;
  const tokens = addState({
    name: 'tokens',
    dtype: 'i32',
    shape: [s],
    category: 'io',
    init: { kind: 'minus-one' },
  });
  const argmax = addState({ name: 'argmax', dtype: 'u32', shape: [s, 2], category: 'io' });
  const sampler =
    o.candidateLists === undefined
      ? undefined
      : {
          candidates: addState({
            name: 'candidates',
            dtype: 'u32',
            shape: [o.candidateLists, 2 * CANDIDATES_PER_LIST],
            category: 'scratch',
          }),
          sampling: addState({ name: 'sampling', dtype: 'u32', shape: [SAMPLING_WORDS], category: 'io' }),
          uniforms: addState({ name: 'uniforms', dtype: 'u32', shape: [s, 2], category: 'io' }),
        };
  const hidden = addState({ name: 'hidden', dtype: 'f32', shape: [h], category: 'activations' });
  const q = addState({ name: 'q', dtype: 'f32', shape: [config.numHeads, d], category: 'activations' });
  const kvIds = layers.map((_, l) =>
    addState({
      name: kvTensor(l),
      dtype: o.kvDtype,
      shape: [2, s, config.numKvHeads, d],
      category: 'kv-cache',
      layer: l,
    }),
  );
  // A prefill program may keep the products' inputs in bf16, the tensor cores' input (options.ts).
  const matmulInput = o.tokens !== undefined ? (o.matmulInputs ?? 'f32') : 'f32';
  const attnOut = addState({
    name: 'attnOut',
    dtype: matmulInput,
    shape: [config.numHeads, d],
    category: 'activations',
  });
  const chunks = o.attentionChunks;
  const capacity = Math.max(chunks, o.partialCapacity ?? chunks);
  const partial = (name: string, shape: number[]): number | undefined =>
    capacity > 1
      ? addState({
          name,
          dtype: 'f32',
          shape: [chunks, ...shape],
          category: 'scratch',
          reserveBytes: capacity * shape.reduce((n, x) => n * x, 4),
        })
      : undefined;
  const partialO = partial('partialO', [config.numHeads, d]);
  const partialLse = partial('partialLse', [config.numHeads]);
  const mlpAct = addState({ name: 'mlpAct', dtype: matmulInput, shape: [i], category: 'activations' });
  const logits = addState({ name: 'logits', dtype: 'f32', shape: [v], category: 'logits' });
  const rope =
    rot > 0
      ? addState({
          name: 'rope',
          dtype: 'f32',
          shape: [s, rot / 2, 2],
          category: 'rope-table',
          init: { kind: 'rope-table' },
        })
      : undefined;
  const qkvOutTensor = (): number =>
    addState({
      name: 'qkvOut',
      dtype: 'f32',
      shape: [config.numHeads + 2 * config.numKvHeads, d],
      category: 'scratch',
    });
  // Post-norm models lower to the op-per-step chain in both modes (compile.ts), so they need its scratch.
  const scratch: UnfusedScratchIds | undefined =
    o.fused && !needsOpChain(config)
      ? undefined
      : {
          normed: addState({ name: 'normed', dtype: matmulInput, shape: [h], category: 'scratch' }),
          qkvOut: qkvOutTensor(),
          projOut: addState({ name: 'projOut', dtype: 'f32', shape: [h], category: 'scratch' }),
          gateOut: addState({ name: 'gateOut', dtype: 'f32', shape: [i], category: 'scratch' }),
          upOut: addState({ name: 'upOut', dtype: 'f32', shape: [i], category: 'scratch' }),
        };
  const qkvOut = scratch?.qkvOut ?? (config.qkNorm !== 'none' ? qkvOutTensor() : undefined);
  const slots = Array.from({ length: config.moe?.topK ?? 0 }, (_, j) => j);
  const slotVectors = (name: string): number[] =>
    slots.map((j) => addState({ name: `${name}.${j}`, dtype: 'f32', shape: [i], category: 'scratch' }));
  const moe: MoeStateIds | undefined =
    config.moe === null
      ? undefined
      : {
          logits: addState({
            name: 'routerLogits',
            dtype: 'f32',
            shape: [config.moe.numExperts],
            category: 'scratch',
          }),
          route: addState({ name: 'route', dtype: 'f32', shape: [2 * config.moe.topK], category: 'scratch' }),
          gateOut: slotVectors('expertGateOut'),
          upOut: slotVectors('expertUpOut'),
          act: slotVectors('expertAct'),
        };
  return {
    specs,
    ids: {
      layers: layers.map((ids, l) => ({ ...ids, kv: kvIds[l]! })),
      embed,
      finalNorm,
      lmHead,
      tokens,
      argmax,
      hidden,
      q,
      attnOut,
      mlpAct,
      logits,
      ...(positions !== undefined ? { positions } : {}),
      ...(lmHeadBias !== undefined ? { lmHeadBias } : {}),
      ...(partialO !== undefined ? { partialO } : {}),
      ...(partialLse !== undefined ? { partialLse } : {}),
      ...(rope !== undefined ? { rope } : {}),
      ...(sampler !== undefined ? { sampler } : {}),
      ...(qkvOut !== undefined ? { qkvOut } : {}),
      ...(scratch !== undefined ? { scratch } : {}),
      ...(moe !== undefined ? { moe } : {}),
    },
  };
}
