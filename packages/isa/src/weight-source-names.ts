/** The checkpoint tensors a weight source reads, for messages and for the tensor table's checks. */
import type { WeightSource } from './program-types.js';

export function weightSourceNames(source: WeightSource): string[] {
  switch (source.kind) {
    case 'tensor':
    case 'transpose':
      return [source.name];
    case 'rows':
    case 'rope-permute':
    case 'add-one':
      return weightSourceNames(source.source);
    case 'concat':
    case 'stack':
      return [...new Set(source.parts.flatMap(weightSourceNames))];
  }
}

/**
 * The part of a checkpoint tensor one leaf of a weight source reads: rows [start, end) of the tensor as
 * stored (`rows`) or of its transpose (`cols`, GPT-2's Conv1D), or all of it (end undefined).
 */
export interface SourceRead {
  readonly name: string;
  readonly axis: 'rows' | 'cols';
  readonly start: number;
  readonly end: number | undefined;
}

/**
 * The reads of a weight source, with `rows` narrowing the leaf directly beneath it. Row selections above
 * a permutation or a concatenation count as reading the whole of what lies beneath (coarser, never
 * missing an overlap).
 */
export function weightSourceReads(source: WeightSource): SourceRead[] {
  const reads = (s: WeightSource, range: [number, number] | undefined): SourceRead[] => {
    switch (s.kind) {
      case 'tensor':
      case 'transpose':
        return [
          {
            name: s.name,
            axis: s.kind === 'tensor' ? 'rows' : 'cols',
            start: range?.[0] ?? 0,
            end: range?.[1],
          },
        ];
      case 'rows': {
        const r: [number, number] = range
          ? [s.start + range[0], s.start + Math.min(range[1], s.count)]
          : [s.start, s.start + s.count];
        return reads(s.source, r);
      }
      case 'rope-permute':
      case 'add-one':
        return reads(s.source, s.kind === 'add-one' ? range : undefined);
      case 'concat':
      case 'stack':
        return s.parts.flatMap((p) => reads(p, undefined));
    }
  };
  return reads(source, undefined);
}

/** Whether two reads can touch the same element of their checkpoint tensor. */
export function sourceReadsOverlap(a: SourceRead, b: SourceRead): boolean {
  if (a.name !== b.name) return false;
  if (a.axis !== b.axis || a.end === undefined || b.end === undefined) return true;
  return a.start < b.end && b.start < a.end;
}
