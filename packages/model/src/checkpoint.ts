/**
 * loadCheckpoint: a Hugging Face checkpoint folder (config.json + safetensors, single or sharded)
 * opened lazily. Loading reads config.json and tensor headers only, and checks up front that every
 * role the config implies exists with the right shape, so a bad checkpoint fails at load with a named
 * error instead of halfway through compiling.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RuntimeModelConfig, WeightSource } from '@megakernel/isa';
import type { Checkpoint, TensorInfo, WeightRole } from './checkpoint-types.js';
import { decodeToF32 } from './dtype.js';
import {
  CheckpointFolderError,
  ConfigError,
  MissingTensorError,
  NonFiniteWeightError,
  TensorShapeError,
  UnavailableRoleError,
} from './errors.js';
import { readGenerationDefaults } from './generation-config.js';
import { readHfConfig } from './hf-config.js';
import { openTensorStore, type TensorStore } from './tensor-store.js';
import {
  isLayerRole,
  LAYER_WEIGHT_ROLES,
  MODEL_WEIGHT_ROLES,
  type RoleBinding,
  roleBindings,
  storedTensors,
} from './weight-roles.js';
import { materializeWeightSource } from './weight-source.js';

export const CONFIG_FILE = 'config.json';

/** One available role of a checkpoint (layer set for per-layer roles). */
export interface RoleRef {
  readonly role: WeightRole;
  readonly layer?: number;
}

/** The Checkpoint that loadCheckpoint returns, with a few extras for tools and tests. */
export interface LoadedCheckpoint extends Checkpoint {
  /** A tensor's header (name, dtype, shape) without reading it. */
  tensorInfo(name: string): TensorInfo;
  /** The safetensors file that holds a tensor. */
  tensorFile(name: string): string;
  /** Every role this checkpoint has, model roles first, then layer by layer. */
  roles(): readonly RoleRef[];
  /**
   * What loads but deserves a word (callers print these): eos/bos token ids outside the vocabulary,
   * which generation can never produce or start from.
   */
  readonly warnings: readonly string[];
}

export interface LoadCheckpointOptions {
  /**
   * Scan every weight a role reads for NaN and ±Inf at load and throw NonFiniteWeightError on the
   * first (default true). The scan reads each weight once; turn it off to load a checkpoint known to
   * hold non-finite values (to study what they do) or to skip that read.
   */
  readonly checkWeights?: boolean;
}

/**
 * Opens the checkpoint in `dir`. Throws CheckpointFolderError (no folder, no config.json, no weights),
 * ConfigError / UnsupportedArchitectureError (config.json), SafetensorsFormatError (bad file),
 * MissingTensorError / TensorShapeError (a role the config needs is absent or mis-shaped),
 * NonFiniteWeightError (a weight holds NaN or ±Inf, unless `checkWeights` is false).
 */
export function loadCheckpoint(dir: string, options: LoadCheckpointOptions = {}): LoadedCheckpoint {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new CheckpointFolderError(dir, 'folder', 'checkpoint folder does not exist');
  }
  const configFile = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(configFile)) throw new CheckpointFolderError(dir, 'config.json', `no ${CONFIG_FILE}`);
  const { config: parsed, raw } = readHfConfig(configFile);
  // transformers' generate() stops on generation_config.json's eos ids when that file names them.
  const config = { ...parsed, ...readGenerationDefaults(dir) };
  const store = openTensorStore(dir);
  try {
    const bindings = bindAllRoles(config, store);
    checkNoExtraLayers(config, store, configFile);
    if (options.checkWeights ?? true) scanWeights(store, bindings);
    const impl = new CheckpointImpl(dir, config, Object.freeze({ ...raw }), store, bindings);
    impl.warnings = tokenWarnings(config, configFile);
    return impl;
  } catch (e) {
    store.close();
    throw e;
  }
}

const key = (role: WeightRole, layer: number | undefined) =>
  layer === undefined ? role : `${role}@${layer}`;

function bindAllRoles(config: RuntimeModelConfig, store: TensorStore): Map<string, RoleBinding> {
  const has = (name: string) => store.has(name);
  const out = new Map<string, RoleBinding>();
  const add = (role: WeightRole, layer: number | undefined, binding: RoleBinding | undefined) => {
    if (binding === undefined) return;
    for (const { tensor, storedShape: expected } of storedTensors(binding)) {
      if (!store.has(tensor)) throw new MissingTensorError(tensor, role, store.location);
      const actual = store.info(tensor).shape;
      if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
        throw new TensorShapeError(tensor, expected, actual, store.fileOf(tensor), role);
      }
    }
    out.set(key(role, layer), binding);
  };
  const model = roleBindings(config, undefined, has);
  for (const role of MODEL_WEIGHT_ROLES) add(role, undefined, model[role]);
  for (let layer = 0; layer < config.numLayers; layer++) {
    const perLayer = roleBindings(config, layer, has);
    for (const role of LAYER_WEIGHT_ROLES) add(role, layer, perLayer[role]);
  }
  return out;
}

/**
 * num_hidden_layers smaller than the layers the weights hold would silently run a truncated model:
 * refused. (A larger one is a MissingTensorError already.)
 */
function checkNoExtraLayers(config: RuntimeModelConfig, store: TensorStore, configFile: string): void {
  const has = (name: string) => store.has(name);
  const next = roleBindings(config, config.numLayers, has);
  const present = Object.values(next).filter((b) => b !== undefined && store.has(b.tensor));
  if (present.length === 0) return;
  let layers = config.numLayers + 1;
  while (Object.values(roleBindings(config, layers, has)).some((b) => b !== undefined && store.has(b.tensor)))
    layers++;
  throw new ConfigError(
    configFile,
    'num_hidden_layers',
    `is ${config.numLayers}, but the weights hold ${layers} layers (e.g. '${present[0]!.tensor}'); ` +
      `set num_hidden_layers to ${layers}, or remove the tensors of layers ${config.numLayers} and up`,
  );
}

/** eos/bos ids outside the vocabulary: the model can never emit them (eos) or start from them (bos). */
function tokenWarnings(config: RuntimeModelConfig, configFile: string): string[] {
  const out: string[] = [];
  const vocab = config.vocabSize;
  const outside = config.eosTokenIds.filter((t) => t < 0 || t >= vocab);
  if (outside.length > 0) {
    const all = outside.length === config.eosTokenIds.length;
    out.push(
      `${configFile}: eos_token_id ${outside.join(', ')} is outside the vocabulary [0, ${vocab}); ` +
        (all ? 'generation never stops on an end-of-text token, only at --max-tokens' : 'ignored'),
    );
  }
  const bos = config.bosTokenId;
  if (bos !== null && (bos < 0 || bos >= vocab)) {
    out.push(
      `${configFile}: bos_token_id ${bos} is outside the vocabulary [0, ${vocab}); an empty prompt cannot start from it`,
    );
  }
  return out;
}

/** Every tensor a role reads, once each (GPT-2's c_attn serves three roles), checked for NaN/±Inf. */
function scanWeights(store: TensorStore, bindings: ReadonlyMap<string, RoleBinding>): void {
  const seen = new Set<string>();
  for (const [k, binding] of bindings) for (const { tensor } of storedTensors(binding)) scan(k, tensor);
  function scan(k: string, tensor: string): void {
    if (seen.has(tensor)) return;
    seen.add(tensor);
    const index = store.findNonFinite(tensor);
    if (index < 0) return;
    const info = store.info(tensor);
    const position: number[] = [];
    let rest = index;
    for (let d = info.shape.length - 1; d >= 0; d--) {
      const size = info.shape[d]!;
      position.unshift(size === 0 ? 0 : rest % size);
      rest = size === 0 ? 0 : Math.floor(rest / size);
    }
    const value = nonFiniteKind(store, tensor, index);
    throw new NonFiniteWeightError(tensor, index, position, value, store.fileOf(tensor), k.replace('@', '.'));
  }
}

/** Whether element `index` is NaN, Inf or -Inf (reads the tensor again: only on the way to an error). */
function nonFiniteKind(store: TensorStore, tensor: string, index: number): 'NaN' | 'Inf' | '-Inf' {
  const info = store.info(tensor);
  const size = info.dtype === 'F32' ? 4 : 2;
  const bytes = store.readBytes(tensor).subarray(index * size, (index + 1) * size);
  const out = new Float32Array(1);
  decodeToF32(info.dtype, bytes, 1, out, 0);
  const v = out[0]!;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf';
}

class CheckpointImpl implements LoadedCheckpoint {
  warnings: readonly string[] = [];

  constructor(
    readonly dir: string,
    readonly config: RuntimeModelConfig,
    readonly rawConfig: Readonly<Record<string, unknown>>,
    private readonly store: TensorStore,
    private readonly bindings: ReadonlyMap<string, RoleBinding>,
  ) {}

  listTensors(): readonly TensorInfo[] {
    return this.store.list();
  }

  readTensor(name: string): Float32Array {
    return this.store.readF32(name);
  }

  tensorInfo(name: string): TensorInfo {
    return this.store.info(name);
  }

  tensorFile(name: string): string {
    return this.store.fileOf(name);
  }

  roles(): readonly RoleRef[] {
    return [...this.bindings.keys()].map((k) => {
      const [role, layer] = k.split('@') as [WeightRole, string | undefined];
      return layer === undefined ? { role } : { role, layer: Number(layer) };
    });
  }

  hasWeight(role: WeightRole, layer?: number): boolean {
    return this.bindings.has(this.checkedKey(role, layer));
  }

  weight(role: WeightRole, layer?: number): Float32Array {
    return materializeWeightSource(this, this.binding(role, layer).source);
  }

  weightSource(role: WeightRole, layer?: number): WeightSource {
    return this.binding(role, layer).source;
  }

  weightShape(role: WeightRole, layer?: number): readonly number[] {
    return this.binding(role, layer).shape;
  }

  close(): void {
    this.store.close();
  }

  private binding(role: WeightRole, layer: number | undefined): RoleBinding {
    const b = this.bindings.get(this.checkedKey(role, layer));
    if (b === undefined) throw new UnavailableRoleError(role, layer, this.config.architecture);
    return b;
  }

  /** Per-layer roles need a layer in range; model roles take none. */
  private checkedKey(role: WeightRole, layer: number | undefined): string {
    if (isLayerRole(role)) {
      if (layer === undefined || !Number.isInteger(layer) || layer < 0 || layer >= this.config.numLayers) {
        throw new RangeError(`role '${role}' needs a layer in [0, ${this.config.numLayers}), got ${layer}`);
      }
      return key(role, layer);
    }
    if (layer !== undefined) throw new RangeError(`role '${role}' is not per-layer; got layer ${layer}`);
    return role;
  }
}
