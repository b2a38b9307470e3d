import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsFormatError } from './errors.js';
import { SAFETENSORS_INDEX_FILE, ShardedSafetensors, writeShardedSafetensors } from './safetensors-index.js';
import type { WritableTensor } from './safetensors-writer.js';
import { openTensorStore } from './tensor-store.js';
import { readJson, useTempDirs, writeJson } from './test-helpers.js';

const tempDir = useTempDirs();

const tensors = new Map<string, WritableTensor>([
  ['a', { dtype: 'F32', shape: [4], data: [1, 2, 3, 4] }],
  ['b', { dtype: 'BF16', shape: [2, 2], data: [5, 6, 7, 8] }],
  ['c', { dtype: 'I64', shape: [2], data: [9, 10] }],
  ['d', { dtype: 'U8', shape: [8], data: [1, 1, 1, 1, 1, 1, 1, 1] }],
]);

describe('sharded safetensors', () => {
  it('writes shards and an index like transformers, and reads every tensor back', () => {
    const dir = tempDir();
    const names = writeShardedSafetensors(dir, tensors, { shards: 2 });
    expect(names).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    const index = readJson(path.join(dir, SAFETENSORS_INDEX_FILE));
    expect(index).toEqual({
      metadata: { total_size: 16 + 8 + 16 + 8 },
      weight_map: { a: names[0], b: names[0], c: names[1], d: names[1] },
    });
    const store = openTensorStore(dir);
    expect(store.list().map((t) => t.name)).toEqual(['a', 'b', 'c', 'd']);
    expect([...store.readF32('b')]).toEqual([5, 6, 7, 8]);
    expect([...(store.readTyped('c') as BigInt64Array)]).toEqual([9n, 10n]);
    expect(path.basename(store.fileOf('d'))).toBe(names[1]);
    store.close();
  });

  it('splits by a byte limit', () => {
    const dir = tempDir();
    // 16 + 8 bytes fit in 24; the next 16 would not.
    expect(writeShardedSafetensors(dir, tensors, { maxShardBytes: 24 })).toHaveLength(2);
    expect(writeShardedSafetensors(tempDir(), tensors, { maxShardBytes: 16 })).toHaveLength(4);
  });

  const problem = (dir: string): string => {
    try {
      ShardedSafetensors.open(path.join(dir, SAFETENSORS_INDEX_FILE));
    } catch (e) {
      expect(e).toBeInstanceOf(SafetensorsFormatError);
      return (e as SafetensorsFormatError).message;
    }
    throw new Error('expected a SafetensorsFormatError');
  };

  it('an index that names the wrong shard, a missing shard, or a shard outside the folder is refused', () => {
    const dir = tempDir();
    const [first, second] = writeShardedSafetensors(dir, tensors, { shards: 2 });
    const indexFile = path.join(dir, SAFETENSORS_INDEX_FILE);
    const index = readJson(indexFile) as { weight_map: Record<string, string> };
    writeJson(indexFile, { weight_map: { ...index.weight_map, a: second } });
    expect(problem(dir)).toMatch(/tensor 'a': weight_map names shard .* which lacks it/);
    writeJson(indexFile, { weight_map: { ...index.weight_map, a: 'model-00009-of-00009.safetensors' } });
    expect(problem(dir)).toMatch(/does not exist/);
    writeJson(indexFile, { weight_map: { a: `../${first}` } });
    expect(problem(dir)).toMatch(/not a file next to the index/);
  });

  it('an index that is not JSON or has no weight_map is refused', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, SAFETENSORS_INDEX_FILE), '{');
    expect(problem(dir)).toMatch(/not JSON/);
    writeJson(path.join(dir, SAFETENSORS_INDEX_FILE), { metadata: {} });
    expect(problem(dir)).toMatch(/no weight_map/);
  });
});
