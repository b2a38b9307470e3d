/**
 * Sharded checkpoints: model.safetensors.index.json maps every tensor name to the shard file that
 * holds it (`weight_map`). Reading opens every shard's header; writing splits tensors across shards
 * in order and writes the index the way `transformers` does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TensorInfo } from './checkpoint-types.js';
import { MissingTensorError, SafetensorsFormatError } from './errors.js';
import { SafetensorsFile, type TypedTensorData } from './safetensors-reader.js';
import {
  tensorByteLength,
  type WritableTensor,
  type WritableTensors,
  type WriteSafetensorsOptions,
  writeSafetensors,
} from './safetensors-writer.js';
import type { TensorStore } from './tensor-store.js';

export const SAFETENSORS_INDEX_FILE = 'model.safetensors.index.json';

export class ShardedSafetensors implements TensorStore {
  private constructor(
    readonly location: string,
    private readonly shards: readonly SafetensorsFile[],
    /** Tensor name → its shard, in weight_map order. */
    private readonly owner: ReadonlyMap<string, SafetensorsFile>,
  ) {}

  /** Opens an index file and the header of every shard it names (shards resolve next to the index). */
  static open(indexPath: string): ShardedSafetensors {
    const weightMap = readWeightMap(indexPath);
    const dir = path.dirname(path.resolve(indexPath));
    const shards = new Map<string, SafetensorsFile>();
    const owner = new Map<string, SafetensorsFile>();
    try {
      for (const [tensor, file] of Object.entries(weightMap)) {
        let shard = shards.get(file);
        if (shard === undefined) {
          const shardPath = path.resolve(dir, file);
          if (path.dirname(shardPath) !== dir) {
            throw new SafetensorsFormatError(
              indexPath,
              'index',
              `shard '${file}' is not a file next to the index`,
            );
          }
          if (!fs.existsSync(shardPath)) {
            throw new SafetensorsFormatError(indexPath, 'index', `shard '${file}' does not exist`, tensor);
          }
          shard = SafetensorsFile.open(shardPath);
          shards.set(file, shard);
        }
        if (!shard.has(tensor)) {
          throw new SafetensorsFormatError(
            indexPath,
            'index',
            `weight_map names shard '${file}', which lacks it`,
            tensor,
          );
        }
        owner.set(tensor, shard);
      }
    } catch (e) {
      for (const s of shards.values()) s.close();
      throw e;
    }
    return new ShardedSafetensors(indexPath, [...shards.values()], owner);
  }

  list(): TensorInfo[] {
    return [...this.owner.entries()].map(([name, shard]) => shard.info(name));
  }

  has(name: string): boolean {
    return this.owner.has(name);
  }

  info(name: string): TensorInfo {
    return this.shardOf(name).info(name);
  }

  fileOf(name: string): string {
    return this.shardOf(name).path;
  }

  readBytes(name: string): Uint8Array {
    return this.shardOf(name).readBytes(name);
  }

  readF32(name: string): Float32Array {
    return this.shardOf(name).readF32(name);
  }

  readTyped(name: string): TypedTensorData {
    return this.shardOf(name).readTyped(name);
  }

  findNonFinite(name: string): number {
    return this.shardOf(name).findNonFinite(name);
  }

  close(): void {
    for (const s of this.shards) s.close();
  }

  private shardOf(name: string): SafetensorsFile {
    const s = this.owner.get(name);
    if (s === undefined) throw new MissingTensorError(name, undefined, this.location);
    return s;
  }
}

function readWeightMap(indexPath: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(indexPath, 'utf8'));
  } catch (e) {
    throw new SafetensorsFormatError(indexPath, 'index', `not JSON (${(e as Error).message})`);
  }
  const map = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new SafetensorsFormatError(indexPath, 'index', 'no weight_map object');
  }
  for (const [tensor, file] of Object.entries(map)) {
    if (typeof file !== 'string') {
      throw new SafetensorsFormatError(indexPath, 'index', 'weight_map value is not a file name', tensor);
    }
  }
  return map as Record<string, string>;
}

export interface WriteShardedOptions extends WriteSafetensorsOptions {
  /** Start a new shard when the current one would pass this many tensor bytes (default: no limit). */
  readonly maxShardBytes?: number;
  /** Or: split into at most this many shards of about equal size (tensors are never split). */
  readonly shards?: number;
}

/**
 * Writes `model-0000i-of-0000n.safetensors` shards and `model.safetensors.index.json` into `dir`.
 * Returns the shard file names.
 */
export function writeShardedSafetensors(
  dir: string,
  tensors: WritableTensors,
  options: WriteShardedOptions = {},
): string[] {
  const list =
    tensors instanceof Map ? [...tensors] : Object.entries(tensors as Record<string, WritableTensor>);
  const sizes = list.map(([name, t]) => tensorByteLength(name, t));
  const total = sizes.reduce((a, b) => a + b, 0);
  const shardIndex =
    options.shards !== undefined
      ? splitEvenly(sizes, options.shards)
      : splitByLimit(sizes, options.maxShardBytes ?? Number.POSITIVE_INFINITY);
  const groups: [string, WritableTensor][][] = [];
  list.forEach((entry, i) => {
    const g = shardIndex[i]!;
    groups[g] ??= [];
    groups[g].push(entry);
  });
  if (groups.length === 0) groups.push([]);

  const pad = (n: number) => String(n).padStart(5, '0');
  const names = groups.map((_, i) => `model-${pad(i + 1)}-of-${pad(groups.length)}.safetensors`);
  const weightMap: Record<string, string> = {};
  groups.forEach((group, i) => {
    writeSafetensors(path.join(dir, names[i]!), new Map(group), options);
    for (const [name] of group) weightMap[name] = names[i]!;
  });
  const index = { metadata: { total_size: total }, weight_map: weightMap };
  fs.writeFileSync(path.join(dir, SAFETENSORS_INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
  return names;
}

/** Shard of each tensor: the one its first byte falls in when the bytes are cut into n equal parts. */
function splitEvenly(sizes: readonly number[], n: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  let offset = 0;
  const raw = sizes.map((size) => {
    const g = total === 0 ? 0 : Math.min(n - 1, Math.floor((offset * n) / total));
    offset += size;
    return g;
  });
  // Renumber so that no shard is empty (a huge tensor can cover several cut points).
  const used = [...new Set(raw)];
  return raw.map((g) => used.indexOf(g));
}

/** Shard of each tensor: a new shard starts when the next tensor would pass `limit` bytes. */
function splitByLimit(sizes: readonly number[], limit: number): number[] {
  let shard = 0;
  let bytes = 0;
  return sizes.map((size) => {
    if (bytes > 0 && bytes + size > limit) {
      shard++;
      bytes = 0;
    }
    bytes += size;
    return shard;
  });
}
