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
import {
  CheckpointFolderError,
  MissingTensorError,
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
}

/**
 * Opens the checkpoint in `dir`. Throws CheckpointFolderError (no folder, no config.json, no weights),
 * ConfigError / UnsupportedArchitectureError (config.json), SafetensorsFormatError (bad file),
 * MissingTensorError / TensorShapeError (a role the config needs is absent or mis-shaped).
 */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
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
    return new CheckpointImpl(dir, config, Object.freeze({ ...raw }), store, bindings);
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
    if (!store.has(binding.tensor)) throw new MissingTensorError(binding.tensor, role, store.location);
    const actual = store.info(binding.tensor).shape;
    const expected = binding.storedShape;
    if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
      throw new TensorShapeError(binding.tensor, expected, actual, store.fileOf(binding.tensor), role);
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

class CheckpointImpl implements LoadedCheckpoint {
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
