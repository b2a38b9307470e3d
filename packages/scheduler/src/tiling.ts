/**
 * Tiling: how each matvec is cut into row tiles (and K chunks), and how many KV chunks attention
 * uses. A tile covers whole row blocks of one region: QKV regions are the Q, K and V rows of one KV
 * group, so every QKV tile feeds the attention of exactly one group.
 */
import { kvGroupSize, qDim, type RuntimeModelConfig } from '@megakernel/isa';
import { type CostModelParams, tileMicros } from './cost-model.js';
import { lptMakespan } from './heap.js';
import type { MatvecKind, ResolvedOptions } from './options.js';

export interface RowTile {
  readonly rowStart: number;
  readonly rowCount: number;
  /** First input column; 0 with kCount 0 means the whole K. */
  readonly kStart: number;
  readonly kCount: number;
}

/** Rows [start, start + rows) of a matvec, over columns [kStart, kStart + kCount) (kCount 0: all). */
export interface Region {
  readonly start: number;
  readonly rows: number;
  readonly kStart?: number;
  readonly kCount?: number;
}

export interface MatvecTiling {
  readonly tiles: readonly RowTile[];
  /** K chunks (1 = no split). */
  readonly splitK: number;
}

export interface Tiling {
  readonly matvec: Readonly<Record<MatvecKind, MatvecTiling>>;
  readonly attentionChunks: number;
}

/** Instruction counts per region: proportional to its blocks (largest remainder), 1..blocks each, summing to n. */
function allocate(blocks: readonly number[], n: number): number[] {
  const total = blocks.reduce((a, b) => a + b, 0);
  const counts = blocks.map(() => 1);
  let left = n - blocks.length;
  const want = blocks.map((b) => (b / total) * n);
  // Fill by largest shortfall against the proportional share, respecting the block count.
  while (left > 0) {
    let best = -1;
    let bestGap = Number.NEGATIVE_INFINITY;
    for (let r = 0; r < blocks.length; r++) {
      if (counts[r]! >= blocks[r]!) continue;
      const gap = want[r]! - counts[r]!;
      if (gap > bestGap) {
        bestGap = gap;
        best = r;
      }
    }
    if (best < 0) break;
    counts[best]!++;
    left--;
  }
  return counts;
}

/** Splits each region into `counts[r]` tiles of whole blocks, block counts differing by at most one. */
function splitRegions(regions: readonly Region[], blockRows: number, counts: readonly number[]): RowTile[] {
  const tiles: RowTile[] = [];
  regions.forEach((region, r) => {
    const blocks = Math.ceil(region.rows / blockRows);
    const n = counts[r]!;
    let block = 0;
    for (let i = 0; i < n; i++) {
      const take = Math.floor(blocks / n) + (i < blocks % n ? 1 : 0);
      const rowStart = region.start + block * blockRows;
      const rowEnd = Math.min(region.start + region.rows, rowStart + take * blockRows);
      tiles.push({
        rowStart,
        rowCount: rowEnd - rowStart,
        kStart: region.kStart ?? 0,
        kCount: region.kCount ?? 0,
      });
      block += take;
    }
  });
  return tiles;
}

/** Tiles of exactly `rows` rows per region (the last one of a region shorter). */
export function fixedRowTiles(regions: readonly Region[], rows: number): RowTile[] {
  return splitRegions(
    regions,
    rows,
    regions.map((r) => Math.ceil(r.rows / rows)),
  );
}

/**
 * The tiling of `regions` whose cost-model makespan on `queues` queues is smallest, among instruction
 * counts that are small multiples of the queue count (and the extremes: one tile per region, one per
 * block). Ties go to fewer instructions.
 */
export function chooseRowTiles(
  regions: readonly Region[],
  blockRows: number,
  queues: number,
  tileCost: (tile: RowTile) => number,
): RowTile[] {
  const blocks = regions.map((r) => Math.ceil(r.rows / blockRows));
  const totalBlocks = blocks.reduce((a, b) => a + b, 0);
  const candidates = new Set<number>([regions.length, totalBlocks]);
  for (let m = 1; m <= 8; m++) candidates.add(m * queues);
  let best: RowTile[] = [];
  let bestTime = Number.POSITIVE_INFINITY;
  for (const n of [...candidates].sort((a, b) => a - b)) {
    if (n < regions.length || n > totalBlocks) continue;
    const tiles = splitRegions(regions, blockRows, allocate(blocks, n));
    const time = lptMakespan(tiles.map(tileCost), queues);
    if (time < bestTime * (1 - 1e-9)) {
      bestTime = time;
      best = tiles;
    }
  }
  return best;
}

interface MatvecShape {
  readonly regions: readonly Region[];
  /** Input length. */
  readonly k: number;
  /** Extra L2 bytes every tile reads besides the input (norm parameters). */
  readonly normBytes: number;
  /** Weight matrices read per row (gate and up: 2). */
  readonly matrices: number;
  readonly bias: boolean;
}

/** Cost-model time of one tile: weight rows streamed, input vector and outputs through L2 (split-K: atomics). */
function matvecTileMicros(shape: MatvecShape, t: RowTile, p: CostModelParams): number {
  const kc = t.kCount === 0 ? shape.k : t.kCount;
  const m = shape.matrices;
  return tileMicros(
    p,
    m * t.rowCount * kc * 2 + (shape.bias && t.kStart === 0 ? t.rowCount * 2 * m : 0),
    kc * 4 + shape.normBytes + t.rowCount * 4 * (t.kCount > 0 ? 2 : 1),
    2 * m * t.rowCount * kc,
  );
}

function tilesFor(kind: MatvecKind, shape: MatvecShape, options: ResolvedOptions): RowTile[] {
  const rpi = options.rowsPerInstruction[kind];
  if (rpi !== 'auto') return fixedRowTiles(shape.regions, rpi);
  const cost = (t: RowTile): number => matvecTileMicros(shape, t, options.costModel);
  return chooseRowTiles(shape.regions, options.tileRows[kind], options.queues, cost);
}

/** QKV regions: per KV group, its Q heads' rows, then its K head's rows, then its V head's rows. */
export function qkvRegions(config: RuntimeModelConfig): Region[] {
  const d = config.headDim;
  const g = kvGroupSize(config);
  const q = qDim(config);
  const kv = config.numKvHeads * d;
  const out: Region[] = [];
  for (let h = 0; h < config.numKvHeads; h++) {
    out.push(
      { start: h * g * d, rows: g * d },
      { start: q + h * d, rows: d },
      { start: q + kv + h * d, rows: d },
    );
  }
  return out;
}

function downShape(config: RuntimeModelConfig, splitK: number): MatvecShape {
  const chunk = config.intermediateSize / splitK;
  // One region per K chunk over all rows: the tiles of all chunks are balanced together.
  const regions = Array.from({ length: splitK }, (_, j) => ({
    start: 0,
    rows: config.hiddenSize,
    kStart: j * chunk,
    kCount: splitK === 1 ? 0 : chunk,
  }));
  return { regions, k: config.intermediateSize, normBytes: 0, matrices: 1, bias: config.mlpBias };
}

function gateUpShape(config: RuntimeModelConfig): MatvecShape {
  // No alignment with the down projection's K chunks: every down tile adds into the hidden state
  // all gate/up tiles read, so it waits for all of them anyway.
  return {
    regions: [{ start: 0, rows: config.intermediateSize }],
    k: config.hiddenSize,
    normBytes: 2 * config.hiddenSize,
    matrices: config.mlpGated ? 2 : 1,
    bias: config.mlpBias,
  };
}

/** K splits worth trying: divisors of I into chunks of at least 256 columns, a multiple of 16. */
function splitCandidates(config: RuntimeModelConfig): number[] {
  // No split always works, whatever the intermediate size (100 in one fixture); a split needs
  // K chunks that are whole 16-column blocks of at least 256 columns.
  const out: number[] = [1];
  for (const s of [2, 3, 4, 6, 8, 12, 16]) {
    const chunk = config.intermediateSize / s;
    if (Number.isInteger(chunk) && chunk % 16 === 0 && chunk >= 256) out.push(s);
  }
  return out;
}

/** The Hopper kernel's attention paths: the fast one up to this head_dim, then 2 heads per pass. */
const FAST_ATTENTION_MAX_HEAD_DIM = 128;
const WIDE_HEADS_PER_PASS = 2;

/** Cost-model makespan of one attention phase with `chunks` chunks per KV head at `context` tokens. */
export function attentionPhaseMicros(
  config: RuntimeModelConfig,
  context: number,
  chunks: number,
  kvBytes: number,
  p: CostModelParams,
): number {
  const d = config.headDim;
  const g = kvGroupSize(config);
  // The widest layer decides: with alternating windows (Gemma 2) the full layers see the whole context.
  const full = config.slidingWindowLayers?.includes(false) === true;
  const visible = config.slidingWindow !== null && !full ? Math.min(context, config.slidingWindow) : context;
  const rows = Math.ceil(visible / chunks);
  // Heads wider than the fast path's 128 take the general path, 2 query heads per pass, each pass
  // reading the chunk's K and V rows again (cuda-hopper attention_partial.cuh).
  const passes = d > FAST_ATTENTION_MAX_HEAD_DIM ? Math.ceil(g / WIDE_HEADS_PER_PASS) : 1;
  const partial = tileMicros(p, 2 * rows * d * kvBytes * passes, g * d * 4 * 2 + g * 4, 4 * g * rows * d);
  const partials = lptMakespan(new Array<number>(config.numKvHeads * chunks).fill(partial), p.sms);
  if (chunks === 1) return partials;
  const reduce = tileMicros(p, 0, chunks * g * (d + 1) * 4 + g * d * 4, 0) + chunks * p.mergeUsPerChunk;
  return partials + p.splitHopUs + lptMakespan(new Array<number>(config.numKvHeads).fill(reduce), p.sms);
}

export function chooseAttentionChunks(config: RuntimeModelConfig, options: ResolvedOptions): number {
  if (options.attentionChunks !== 'auto') return options.attentionChunks;
  const kvBytes = options.kvDtype === 'f32' ? 4 : 2;
  let best = 1;
  let bestTime = attentionPhaseMicros(config, options.maxSeqLen, 1, kvBytes, options.costModel);
  const limit = Math.min(options.maxSeqLen, 256);
  for (let c = 2; c <= limit; c++) {
    const t = attentionPhaseMicros(config, options.maxSeqLen, c, kvBytes, options.costModel);
    if (t < bestTime * (1 - 1e-9)) {
      bestTime = t;
      best = c;
    }
  }
  return best;
}

export function chooseTiling(config: RuntimeModelConfig, options: ResolvedOptions): Tiling {
  const h = config.hiddenSize;
  const normBytes = 2 * h;
  const qkv = tilesFor(
    'qkv',
    { regions: qkvRegions(config), k: h, normBytes, matrices: 1, bias: config.qkvBias },
    options,
  );
  const o = tilesFor(
    'o',
    { regions: [{ start: 0, rows: h }], k: qDim(config), normBytes: 0, matrices: 1, bias: config.oBias },
    options,
  );
  const lmHead = tilesFor(
    'lmHead',
    {
      regions: [{ start: 0, rows: config.vocabSize }],
      k: h,
      normBytes,
      matrices: 1,
      bias: config.lmHeadBias,
    },
    options,
  );
  const gateUp = tilesFor('gateUp', gateUpShape(config), options);
  // Split-K trades atomic adds (and a run-to-run summation order on the GPU) for balance; the
  // cost model picks the split, ties going to the smaller one.
  const splits = options.splitK === 'auto' ? splitCandidates(config) : [options.splitK];
  let best: { splitK: number; down: RowTile[]; time: number } | undefined;
  for (const s of splits) {
    const shape = downShape(config, s);
    const down = tilesFor('down', shape, options);
    const time = lptMakespan(
      down.map((t) => matvecTileMicros(shape, t, options.costModel)),
      options.queues,
    );
    if (best === undefined || time < best.time * (1 - 1e-9)) best = { splitK: s, down, time };
  }
  return {
    matvec: {
      qkv: { tiles: qkv, splitK: 1 },
      o: { tiles: o, splitK: 1 },
      gateUp: { tiles: gateUp, splitK: 1 },
      down: { tiles: best!.down, splitK: best!.splitK },
      lmHead: { tiles: lmHead, splitK: 1 },
    },
    attentionChunks: chooseAttentionChunks(config, options),
  };
}
