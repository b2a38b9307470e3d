/** Embedding gather: out = scale · table[token] (+ positions[pos]), table [vocab, hidden]. */

export interface EmbeddingArgs {
  readonly table: Float32Array;
  readonly hidden: number;
  readonly token: number;
  readonly scale?: number;
  /** Learned position table [maxPos, hidden] (GPT-2) and the position to add. */
  readonly positions?: { readonly table: Float32Array; readonly pos: number };
}

export function embeddingGather(
  a: EmbeddingArgs,
  out: Float32Array = new Float32Array(a.hidden),
): Float32Array {
  const rows = a.table.length / a.hidden;
  if (!Number.isInteger(a.token) || a.token < 0 || a.token >= rows) {
    throw new RangeError(`embeddingGather: token ${a.token} outside the table's ${rows} rows`);
  }
  const s = a.scale ?? 1;
  const base = a.token * a.hidden;
  for (let i = 0; i < a.hidden; i++) out[i] = s * a.table[base + i]!;
  if (a.positions) {
    const pb = a.positions.pos * a.hidden;
    for (let i = 0; i < a.hidden; i++) out[i] = out[i]! + a.positions.table[pb + i]!;
  }
  return out;
}
