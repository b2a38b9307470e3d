/**
 * What a loaded checkpoint offers the layers above: the runtime config, and weights by role.
 * Linear weights come out in [out, in] layout whatever the checkpoint stored (GPT-2's Conv1D
 * weights are transposed), and fused tensors (GPT-2's c_attn) are split per role.
 */
import type { RuntimeModelConfig, WeightSource } from '@megakernel/isa';

/** Roles of checkpoint tensors. Per-layer roles take a layer index; the rest take none. */
export type LayerWeightRole =
  | 'attnNorm'
  | 'attnNormBias'
  | 'q'
  | 'k'
  | 'v'
  | 'qBias'
  | 'kBias'
  | 'vBias'
  | 'qNorm'
  | 'kNorm'
  | 'o'
  | 'oBias'
  | 'mlpNorm'
  | 'mlpNormBias'
  | 'attnOutNorm'
  | 'mlpOutNorm'
  | 'gate'
  | 'gateBias'
  | 'up'
  | 'upBias'
  | 'down'
  | 'downBias'
  | 'router'
  | 'expertGate'
  | 'expertUp'
  | 'expertDown';
export type ModelWeightRole = 'embed' | 'positions' | 'finalNorm' | 'finalNormBias' | 'lmHead' | 'lmHeadBias';
export type WeightRole = LayerWeightRole | ModelWeightRole;

export interface TensorInfo {
  readonly name: string;
  readonly dtype: 'BF16' | 'F16' | 'F32' | 'I64' | 'I32' | 'U8';
  readonly shape: readonly number[];
}

export interface Checkpoint {
  readonly dir: string;
  readonly config: RuntimeModelConfig;
  /** config.json as parsed (after validation). */
  readonly rawConfig: Readonly<Record<string, unknown>>;
  /** Every tensor of the checkpoint (all shards). */
  listTensors(): readonly TensorInfo[];
  /** A checkpoint tensor by name, converted to f32 exactly (bf16/f16 widen; ints convert). */
  readTensor(name: string): Float32Array;
  /** Whether the model has a tensor for this role (biases, positions and an untied LM head are optional). */
  hasWeight(role: WeightRole, layer?: number): boolean;
  /** The weight for a role as f32, linear weights [out, in]. Throws a named error if missing. */
  weight(role: WeightRole, layer?: number): Float32Array;
  /** How to build this role's tensor from checkpoint tensors (what `weight` applies); for the scheduler. */
  weightSource(role: WeightRole, layer?: number): WeightSource;
  /** Shape of the role's tensor as `weight` returns it. */
  weightShape(role: WeightRole, layer?: number): readonly number[];
  /** Releases file handles. */
  close(): void;
}
