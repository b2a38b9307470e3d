/**
 * A checkpoint's tensors, whether they live in one model.safetensors or in shards listed by
 * model.safetensors.index.json: one interface, so nothing above cares how the weights are split.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TensorInfo } from './checkpoint-types.js';
import { CheckpointFolderError } from './errors.js';
import { SAFETENSORS_INDEX_FILE, ShardedSafetensors } from './safetensors-index.js';
import { SafetensorsFile, type TypedTensorData } from './safetensors-reader.js';

export interface TensorStore {
  /** The file that describes the store (model.safetensors or the index), for messages. */
  readonly location: string;
  list(): TensorInfo[];
  has(name: string): boolean;
  /** Throws MissingTensorError for an unknown name. */
  info(name: string): TensorInfo;
  /** The file holding a tensor. */
  fileOf(name: string): string;
  readBytes(name: string): Uint8Array;
  readF32(name: string): Float32Array;
  readTyped(name: string): TypedTensorData;
  /** Flat index of the first NaN/±Inf element of a float tensor, -1 when all are finite. */
  findNonFinite(name: string): number;
  close(): void;
}

export const SAFETENSORS_FILE = 'model.safetensors';

/** Opens the weights of a checkpoint folder: the shard index if there is one, else model.safetensors. */
export function openTensorStore(dir: string): TensorStore {
  const index = path.join(dir, SAFETENSORS_INDEX_FILE);
  if (fs.existsSync(index)) return ShardedSafetensors.open(index);
  const single = path.join(dir, SAFETENSORS_FILE);
  if (fs.existsSync(single)) return SafetensorsFile.open(single);
  throw new CheckpointFolderError(
    dir,
    'safetensors',
    `neither ${SAFETENSORS_INDEX_FILE} nor ${SAFETENSORS_FILE} found`,
  );
}
