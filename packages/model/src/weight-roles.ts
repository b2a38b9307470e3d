/**
 * Per-family map from weight roles to checkpoint tensors: which tensor holds a role, the shape the
 * config implies for it, and the WeightSource that turns it into the role's [out, in] tensor.
 */
import { kvDim, qDim, type RuntimeModelConfig, type WeightSource } from '@megakernel/isa';
import type { LayerWeightRole, ModelWeightRole, WeightRole } from './checkpoint-types.js';

export const LAYER_WEIGHT_ROLES: readonly LayerWeightRole[] = [
  'attnNorm',
  'attnNormBias',
  'q',
  'k',
  'v',
  'qBias',
  'kBias',
  'vBias',
  'qNorm',
  'kNorm',
  'o',
  'oBias',
  'mlpNorm',
  'mlpNormBias',
  'attnOutNorm',
  'mlpOutNorm',
  'gate',
  'gateBias',
  'up',
  'upBias',
  'down',
  'downBias',
  'router',
  'expertGate',
  'expertUp',
  'expertDown',
];
export const MODEL_WEIGHT_ROLES: readonly ModelWeightRole[] = [
  'embed',
  'positions',
  'finalNorm',
  'finalNormBias',
  'lmHead',
  'lmHeadBias',
];

export function isLayerRole(role: WeightRole): role is LayerWeightRole {
  return (LAYER_WEIGHT_ROLES as readonly string[]).includes(role);
}

export interface StoredTensor {
  /** The checkpoint tensor the role reads. */
  readonly tensor: string;
  /** The shape that tensor must have in the file. */
  readonly storedShape: readonly number[];
}

export interface RoleBinding extends StoredTensor {
  /** Further tensors the role reads (the experts of a stacked expert weight, after the first). */
  readonly also?: readonly StoredTensor[];
  /** How the role's tensor is made from it. */
  readonly source: WeightSource;
  /** The role's shape as `weight()` returns it (linear weights [out, in]). */
  readonly shape: readonly number[];
}

/** Every checkpoint tensor a binding reads. */
export function storedTensors(b: RoleBinding): readonly StoredTensor[] {
  return [b, ...(b.also ?? [])];
}

type Bindings = Partial<Record<WeightRole, RoleBinding>>;

const plain = (tensor: string, shape: readonly number[]): RoleBinding => ({
  tensor,
  storedShape: shape,
  source: { kind: 'tensor', name: tensor },
  shape,
});

/**
 * The roles a model has, for one layer (`layer` given) or for the model as a whole. `has` tells which
 * tensors the checkpoint holds (to pick between naming variants); a role absent from the result does
 * not exist for this family and config.
 */
export function roleBindings(
  config: RuntimeModelConfig,
  layer: number | undefined,
  has: (tensor: string) => boolean,
): Bindings {
  if (config.architecture === 'gpt2') return gpt2Bindings(config, layer, has);
  if (config.architecture === 'gpt_neox') return neoxBindings(config, layer);
  if (config.architecture === 'phi') return phiBindings(config, layer);
  return llamaBindings(config, layer);
}

/** A norm weight stored as an offset from 1 (Gemma's RMSNorm scales by 1 + weight). */
const unitOffset = (tensor: string, shape: readonly number[]): RoleBinding => ({
  tensor,
  storedShape: shape,
  source: { kind: 'add-one', source: { kind: 'tensor', name: tensor } },
  shape,
});

/**
 * Llama, Mistral, Qwen2, Qwen3, Gemma, Gemma 2, Granite, Phi-3 and OLMo-2 share tensor names; they differ in which
 * biases and q/k norms exist, Gemma stores its norm weights as offsets from 1, Phi-3 fuses its projections, OLMo-2
 * normalises block outputs instead of inputs, and Gemma 2 both.
 */
function llamaBindings(c: RuntimeModelConfig, layer: number | undefined): Bindings {
  const h = c.hiddenSize;
  const norm = c.architecture === 'gemma' || c.architecture === 'gemma2' ? unitOffset : plain;
  if (layer === undefined) {
    const embed = plain('model.embed_tokens.weight', [c.vocabSize, h]);
    return {
      embed,
      finalNorm: norm('model.norm.weight', [h]),
      // Tied checkpoints usually omit lm_head.weight; the embedding is the LM head.
      lmHead: c.tieWordEmbeddings ? embed : plain('lm_head.weight', [c.vocabSize, h]),
    };
  }
  const p = `model.layers.${layer}.`;
  const q = qDim(c);
  const kv = kvDim(c);
  const i = c.intermediateSize;
  const out: Bindings = {
    attnNorm: norm(`${p}input_layernorm.weight`, [h]),
    q: plain(`${p}self_attn.q_proj.weight`, [q, h]),
    k: plain(`${p}self_attn.k_proj.weight`, [kv, h]),
    v: plain(`${p}self_attn.v_proj.weight`, [kv, h]),
    o: plain(`${p}self_attn.o_proj.weight`, [h, q]),
    mlpNorm: norm(`${p}post_attention_layernorm.weight`, [h]),
    gate: plain(`${p}mlp.gate_proj.weight`, [i, h]),
    up: plain(`${p}mlp.up_proj.weight`, [i, h]),
    down: plain(`${p}mlp.down_proj.weight`, [h, i]),
  };
  if (c.architecture === 'phi3') Object.assign(out, phi3FusedProjections(c, p));
  if (c.moe !== null) {
    delete out.gate;
    delete out.up;
    delete out.down;
    Object.assign(out, mixtralExperts(c, p, c.moe.numExperts));
  }
  if (c.normPlacement === 'sandwich') {
    // Gemma 2: norms before and after each block; post_attention_layernorm is attention's output norm.
    out.attnOutNorm = norm(`${p}post_attention_layernorm.weight`, [h]);
    out.mlpNorm = norm(`${p}pre_feedforward_layernorm.weight`, [h]);
    out.mlpOutNorm = norm(`${p}post_feedforward_layernorm.weight`, [h]);
  }
  if (c.normPlacement === 'post') {
    // OLMo-2 normalises each block's output: post_attention_layernorm is attention's output norm here,
    // not the MLP's input norm as in Llama, and there are no input norms.
    delete out.attnNorm;
    delete out.mlpNorm;
    out.attnOutNorm = norm(`${p}post_attention_layernorm.weight`, [h]);
    out.mlpOutNorm = norm(`${p}post_feedforward_layernorm.weight`, [h]);
  }
  if (c.qkvBias) {
    out.qBias = plain(`${p}self_attn.q_proj.bias`, [q]);
    out.kBias = plain(`${p}self_attn.k_proj.bias`, [kv]);
    out.vBias = plain(`${p}self_attn.v_proj.bias`, [kv]);
  }
  if (c.qkNorm !== 'none') {
    // Per head: one weight [head_dim] for every head; whole (OLMo-2): one weight as wide as the projection.
    const whole = c.qkNorm === 'whole';
    out.qNorm = plain(`${p}self_attn.q_norm.weight`, [whole ? q : c.headDim]);
    out.kNorm = plain(`${p}self_attn.k_norm.weight`, [whole ? kv : c.headDim]);
  }
  if (c.oBias) out.oBias = plain(`${p}self_attn.o_proj.bias`, [h]);
  if (c.mlpBias) {
    out.gateBias = plain(`${p}mlp.gate_proj.bias`, [i]);
    out.upBias = plain(`${p}mlp.up_proj.bias`, [i]);
    out.downBias = plain(`${p}mlp.down_proj.bias`, [h]);
  }
  return out;
}

/**
 * Mixtral's sparse MLP: the router `gate` [E, hidden], and each expert's w1 (gate), w3 (up) and w2 (down),
 * stacked here into one [E, out, in] tensor per projection so that an instruction picks an expert by index.
 */
function mixtralExperts(c: RuntimeModelConfig, p: string, experts: number): Bindings {
  const h = c.hiddenSize;
  const i = c.intermediateSize;
  const stack = (w: string, out: number, inner: number): RoleBinding => {
    const names = Array.from({ length: experts }, (_, e) => `${p}block_sparse_moe.experts.${e}.${w}.weight`);
    return {
      tensor: names[0]!,
      storedShape: [out, inner],
      also: names.slice(1).map((tensor) => ({ tensor, storedShape: [out, inner] })),
      source: { kind: 'stack', parts: names.map((name) => ({ kind: 'tensor' as const, name })) },
      shape: [experts, out, inner],
    };
  };
  return {
    router: plain(`${p}block_sparse_moe.gate.weight`, [experts, h]),
    expertGate: stack('w1', i, h),
    expertUp: stack('w3', i, h),
    expertDown: stack('w2', h, i),
  };
}

/**
 * Phi-3 fuses q, k and v into qkv_proj (rows: all of q, then k, then v) and gate and up into gate_up_proj
 * (rows: gate, then up); each role is a row range of its fused tensor.
 */
function phi3FusedProjections(c: RuntimeModelConfig, p: string): Bindings {
  const h = c.hiddenSize;
  const q = qDim(c);
  const kv = kvDim(c);
  const i = c.intermediateSize;
  const rowsOf = (tensor: string, storedRows: number, start: number, count: number): RoleBinding => ({
    tensor,
    storedShape: [storedRows, h],
    source: { kind: 'rows', source: { kind: 'tensor', name: tensor }, start, count },
    shape: [count, h],
  });
  const qkv = `${p}self_attn.qkv_proj.weight`;
  const gateUp = `${p}mlp.gate_up_proj.weight`;
  return {
    q: rowsOf(qkv, q + 2 * kv, 0, q),
    k: rowsOf(qkv, q + 2 * kv, q, kv),
    v: rowsOf(qkv, q + 2 * kv, q + kv, kv),
    gate: rowsOf(gateUp, 2 * i, 0, i),
    up: rowsOf(gateUp, 2 * i, i, i),
  };
}

/**
 * GPT-2 stores Conv1D weights as [in, out] (transposed here to [out, in]) and fuses Q, K and V into
 * `c_attn` ([in, 3·hidden]), split into three row ranges after the transpose. Checkpoints saved from
 * GPT2LMHeadModel prefix names with `transformer.`; those saved from GPT2Model do not.
 */
function gpt2Bindings(
  c: RuntimeModelConfig,
  layer: number | undefined,
  has: (t: string) => boolean,
): Bindings {
  const prefix = !has('transformer.wte.weight') && has('wte.weight') ? '' : 'transformer.';
  const h = c.hiddenSize;
  if (layer === undefined) {
    const embed = plain(`${prefix}wte.weight`, [c.vocabSize, h]);
    return {
      embed,
      positions: plain(`${prefix}wpe.weight`, [c.maxPositionEmbeddings, h]),
      finalNorm: plain(`${prefix}ln_f.weight`, [h]),
      finalNormBias: plain(`${prefix}ln_f.bias`, [h]),
      lmHead: c.tieWordEmbeddings ? embed : plain('lm_head.weight', [c.vocabSize, h]),
    };
  }
  const p = `${prefix}h.${layer}.`;
  const i = c.intermediateSize;
  const conv1d = (tensor: string, inDim: number, outDim: number): RoleBinding => ({
    tensor,
    storedShape: [inDim, outDim],
    source: { kind: 'transpose', name: tensor },
    shape: [outDim, inDim],
  });
  const qkvWeight = `${p}attn.c_attn.weight`;
  const qkvBias = `${p}attn.c_attn.bias`;
  const split = (part: number): { weight: RoleBinding; bias: RoleBinding } => ({
    weight: {
      tensor: qkvWeight,
      storedShape: [h, 3 * h],
      source: { kind: 'rows', source: { kind: 'transpose', name: qkvWeight }, start: part * h, count: h },
      shape: [h, h],
    },
    bias: {
      tensor: qkvBias,
      storedShape: [3 * h],
      source: { kind: 'rows', source: { kind: 'tensor', name: qkvBias }, start: part * h, count: h },
      shape: [h],
    },
  });
  const [q, k, v] = [split(0), split(1), split(2)];
  return {
    attnNorm: plain(`${p}ln_1.weight`, [h]),
    attnNormBias: plain(`${p}ln_1.bias`, [h]),
    q: q.weight,
    k: k.weight,
    v: v.weight,
    qBias: q.bias,
    kBias: k.bias,
    vBias: v.bias,
    o: conv1d(`${p}attn.c_proj.weight`, h, h),
    oBias: plain(`${p}attn.c_proj.bias`, [h]),
    mlpNorm: plain(`${p}ln_2.weight`, [h]),
    mlpNormBias: plain(`${p}ln_2.bias`, [h]),
    up: conv1d(`${p}mlp.c_fc.weight`, h, i),
    upBias: plain(`${p}mlp.c_fc.bias`, [i]),
    down: conv1d(`${p}mlp.c_proj.weight`, i, h),
    downBias: plain(`${p}mlp.c_proj.bias`, [h]),
  };
}

/**
 * GPT-NeoX fuses q, k and v per head: query_key_value's rows are [head 0: q, k, v; head 1: q, k, v; ...]
 * (head_dim rows each), gathered here into the q, k and v of all heads.
 */
function neoxBindings(c: RuntimeModelConfig, layer: number | undefined): Bindings {
  const h = c.hiddenSize;
  if (layer === undefined) {
    const embed = plain('gpt_neox.embed_in.weight', [c.vocabSize, h]);
    return {
      embed,
      finalNorm: plain('gpt_neox.final_layer_norm.weight', [h]),
      finalNormBias: plain('gpt_neox.final_layer_norm.bias', [h]),
      lmHead: c.tieWordEmbeddings ? embed : plain('embed_out.weight', [c.vocabSize, h]),
    };
  }
  const p = `gpt_neox.layers.${layer}.`;
  const d = c.headDim;
  const i = c.intermediateSize;
  const qkvWeight = `${p}attention.query_key_value.weight`;
  const qkvBias = `${p}attention.query_key_value.bias`;
  const gather = (tensor: string, storedShape: readonly number[], part: number): RoleBinding => ({
    tensor,
    storedShape,
    source: {
      kind: 'concat',
      parts: Array.from({ length: c.numHeads }, (_, head) => ({
        kind: 'rows' as const,
        source: { kind: 'tensor' as const, name: tensor },
        start: (3 * head + part) * d,
        count: d,
      })),
    },
    shape: storedShape.length === 2 ? [h, h] : [h],
  });
  const out: Bindings = {
    attnNorm: plain(`${p}input_layernorm.weight`, [h]),
    attnNormBias: plain(`${p}input_layernorm.bias`, [h]),
    q: gather(qkvWeight, [3 * h, h], 0),
    k: gather(qkvWeight, [3 * h, h], 1),
    v: gather(qkvWeight, [3 * h, h], 2),
    o: plain(`${p}attention.dense.weight`, [h, h]),
    mlpNorm: plain(`${p}post_attention_layernorm.weight`, [h]),
    mlpNormBias: plain(`${p}post_attention_layernorm.bias`, [h]),
    up: plain(`${p}mlp.dense_h_to_4h.weight`, [i, h]),
    upBias: plain(`${p}mlp.dense_h_to_4h.bias`, [i]),
    down: plain(`${p}mlp.dense_4h_to_h.weight`, [h, i]),
    downBias: plain(`${p}mlp.dense_4h_to_h.bias`, [h]),
  };
  if (c.qkvBias) {
    out.qBias = gather(qkvBias, [3 * h], 0);
    out.kBias = gather(qkvBias, [3 * h], 1);
    out.vBias = gather(qkvBias, [3 * h], 2);
  }
  if (c.oBias) out.oBias = plain(`${p}attention.dense.bias`, [h]);
  return out;
}

/** Phi: Llama's projection names with biases, `dense` for O, fc1/fc2, and one LayerNorm for both blocks. */
function phiBindings(c: RuntimeModelConfig, layer: number | undefined): Bindings {
  const h = c.hiddenSize;
  if (layer === undefined) {
    const embed = plain('model.embed_tokens.weight', [c.vocabSize, h]);
    return {
      embed,
      finalNorm: plain('model.final_layernorm.weight', [h]),
      finalNormBias: plain('model.final_layernorm.bias', [h]),
      lmHead: c.tieWordEmbeddings ? embed : plain('lm_head.weight', [c.vocabSize, h]),
      lmHeadBias: plain('lm_head.bias', [c.vocabSize]),
    };
  }
  const p = `model.layers.${layer}.`;
  const q = qDim(c);
  const kv = kvDim(c);
  const i = c.intermediateSize;
  const norm = plain(`${p}input_layernorm.weight`, [h]);
  const normBias = plain(`${p}input_layernorm.bias`, [h]);
  return {
    attnNorm: norm,
    attnNormBias: normBias,
    // The MLP reads the same normalised input (parallelResidual): the same tensors.
    mlpNorm: norm,
    mlpNormBias: normBias,
    q: plain(`${p}self_attn.q_proj.weight`, [q, h]),
    k: plain(`${p}self_attn.k_proj.weight`, [kv, h]),
    v: plain(`${p}self_attn.v_proj.weight`, [kv, h]),
    qBias: plain(`${p}self_attn.q_proj.bias`, [q]),
    kBias: plain(`${p}self_attn.k_proj.bias`, [kv]),
    vBias: plain(`${p}self_attn.v_proj.bias`, [kv]),
    o: plain(`${p}self_attn.dense.weight`, [h, q]),
    oBias: plain(`${p}self_attn.dense.bias`, [h]),
    up: plain(`${p}mlp.fc1.weight`, [i, h]),
    upBias: plain(`${p}mlp.fc1.bias`, [i]),
    down: plain(`${p}mlp.fc2.weight`, [h, i]),
    downBias: plain(`${p}mlp.fc2.bias`, [h]),
  };
}
