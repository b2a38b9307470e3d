import { preset } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options.js';
import { tinyLlama } from './testing/tiny-config.js';
import { chooseRowTiles, chooseTiling, fixedRowTiles, qkvRegions, type RowTile } from './tiling.js';

const covered = (tiles: readonly RowTile[]): number => tiles.reduce((a, t) => a + t.rowCount, 0);

describe('tiling', () => {
  it('fixed tiles cover each region with whole blocks and never straddle regions', () => {
    const regions = [
      { start: 0, rows: 40 },
      { start: 40, rows: 24 },
    ];
    const tiles = fixedRowTiles(regions, 16);
    expect(tiles.map((t) => [t.rowStart, t.rowCount])).toEqual([
      [0, 16],
      [16, 16],
      [32, 8],
      [40, 16],
      [56, 8],
    ]);
  });

  it('QKV tiles of Llama-3.2-1B keep every KV group apart and come to one per queue', () => {
    const c = preset('llama-3.2-1b');
    const tiling = chooseTiling(c, resolveOptions(c, { queues: 132, maxSeqLen: 1024 }));
    const tiles = tiling.matvec.qkv.tiles;
    expect(tiles).toHaveLength(132);
    expect(covered(tiles)).toBe(3072);
    const regions = qkvRegions(c);
    for (const t of tiles) {
      expect(t.rowStart % 16).toBe(0);
      const inside = regions.filter(
        (r) => t.rowStart >= r.start && t.rowStart + t.rowCount <= r.start + r.rows,
      );
      expect(inside).toHaveLength(1);
    }
  });

  it('gives every op a small multiple of the queue count on the presets', () => {
    for (const name of ['llama-3.2-1b', 'mistral-7b', 'gpt2-124m']) {
      const c = preset(name);
      const tiling = chooseTiling(c, resolveOptions(c, { queues: 132, maxSeqLen: 1024 }));
      for (const [kind, m] of Object.entries(tiling.matvec)) {
        const n = m.tiles.length;
        // Each op either fills the queues in whole rounds or has fewer blocks than queues.
        expect(n % 132 === 0 || n < 132, `${name} ${kind}: ${n}`).toBe(true);
      }
    }
  });

  it('splits the down projection along K into chunks that each cover every row', () => {
    const c = tinyLlama();
    const tiling = chooseTiling(c, resolveOptions(c, { queues: 6, maxSeqLen: 16, splitK: 2, tileRows: 8 }));
    const chunk = c.intermediateSize / 2;
    expect(tiling.matvec.down.splitK).toBe(2);
    expect(new Set(tiling.matvec.down.tiles.map((t) => t.kStart))).toEqual(new Set([0, chunk]));
    for (const t of tiling.matvec.down.tiles) expect(t.kCount).toBe(chunk);
    for (const k of [0, chunk])
      expect(covered(tiling.matvec.down.tiles.filter((t) => t.kStart === k))).toBe(c.hiddenSize);
  });

  it('splits attention into chunks only past a context the cost model chooses', () => {
    const c = preset('llama-3.2-1b');
    const chunks = (maxSeqLen: number) =>
      chooseTiling(c, resolveOptions(c, { queues: 132, maxSeqLen })).attentionChunks;
    expect(chunks(16)).toBe(1);
    expect(chunks(1024)).toBeGreaterThan(1);
    expect(chunks(1024) * c.numKvHeads).toBeLessThanOrEqual(132);
  });

  it('prefers fewer, larger tiles when they cost no more', () => {
    const tiles = chooseRowTiles([{ start: 0, rows: 64 }], 16, 1, (t) => t.rowCount + 1);
    expect(tiles).toHaveLength(1);
  });
});
