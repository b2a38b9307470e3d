/**
 * Race check within one decode step. Every pair of accesses to overlapping elements, at least one
 * a write (atomics of one kind commute), must be ordered by happens-before. Instead of testing all
 * pairs, accesses are replayed in a topological order per element segment (the tensor cut at every
 * access boundary), keeping the last write, the latest read per queue and the latest atomic per
 * queue: a new access only has to be ordered after those (FastTrack's argument — anything older is
 * ordered before them, or a race was already reported).
 */
import { NONE16, type TensorEntry } from '@megakernel/isa';
import type { ProgramView } from '../program-view.js';
import type { Access, AccessKind } from './accesses.js';
import type { HappensBefore } from './happens-before.js';
import type { Violation } from './violations.js';

interface TensorState {
  readonly bounds: Float64Array;
  readonly lastWrite: Int32Array;
  /** reader[s * nq + q]: latest reader on queue q of segment s (-1 none); readQueues[s]: queues set. */
  readonly reader: Int32Array;
  readonly readQueues: number[][];
  readonly atomics: { node: number; kind: AccessKind }[][];
}

function segmentIndex(bounds: Float64Array, x: number): number {
  let lo = 0;
  let hi = bounds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bounds[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function findRaces(
  view: ProgramView,
  tensors: readonly TensorEntry[],
  accesses: readonly (readonly Access[])[],
  hb: HappensBefore,
  max: number,
): Violation[] {
  const nq = hb.queues;
  const cuts = new Map<number, number[]>();
  accesses.forEach((list) => {
    for (const a of list) {
      const c = cuts.get(a.tensor) ?? [];
      for (const x of a.intervals) c.push(x);
      cuts.set(a.tensor, c);
    }
  });
  const states = new Map<number, TensorState>();
  for (const [tensor, c] of cuts) {
    const bounds = Float64Array.from(new Set(c)).sort();
    const segments = Math.max(0, bounds.length - 1);
    states.set(tensor, {
      bounds,
      lastWrite: new Int32Array(segments).fill(-1),
      reader: new Int32Array(segments * nq).fill(-1),
      readQueues: Array.from({ length: segments }, () => []),
      atomics: Array.from({ length: segments }, () => []),
    });
  }
  const out: Violation[] = [];
  const reported = new Set<string>();
  const report = (
    earlier: number,
    later: number,
    tensor: number,
    s: number,
    st: TensorState,
    what: string,
  ): void => {
    // One report per pair of instructions and tensor (the first conflicting segment).
    const key = `${earlier}:${later}:${tensor}`;
    if (out.length >= max || reported.has(key)) return;
    reported.add(key);
    const e = view.flat[earlier]!;
    const t = tensors[tensor];
    const range: [number, number] = [st.bounds[s]!, st.bounds[s + 1]!];
    out.push({
      kind: 'race',
      queue: view.queueOf[later]!,
      index: view.indexOf[later]!,
      ...(e.signalCounter !== NONE16 ? { counter: e.signalCounter } : {}),
      tensor,
      tensorName: t?.name ?? `#${tensor}`,
      range,
      other: { queue: view.queueOf[earlier]!, index: view.indexOf[earlier]! },
      message:
        `${what} on ${t?.name ?? tensor}[${range[0]}, ${range[1]}) between queue ${view.queueOf[earlier]} #${view.indexOf[earlier]} ` +
        `and queue ${view.queueOf[later]} #${view.indexOf[later]} is not ordered` +
        (e.signalCounter !== NONE16
          ? ` (the first signals counter ${e.signalCounter})`
          : ' (the first signals nothing)'),
    });
  };
  const rank = { read: 0, 'atomic-add': 1, 'atomic-max': 1, write: 2 } as const;
  // checkedBy[a] = b: a was already found ordered before b (an access spans many segments).
  const checkedBy = new Int32Array(view.flat.length).fill(-1);
  const ordered = (a: number, b: number): boolean => {
    if (a === b || checkedBy[a] === b) return true;
    if (!hb.hb(a, b)) return false;
    checkedBy[a] = b;
    return true;
  };
  for (const b of hb.order) {
    if (out.length >= max) break;
    const q = view.queueOf[b]!;
    const list = [...accesses[b]!].sort((x, y) => rank[x.kind] - rank[y.kind]);
    for (const a of list) {
      const st = states.get(a.tensor)!;
      for (let k = 0; k < a.intervals.length; k += 2) {
        const s0 = segmentIndex(st.bounds, a.intervals[k]!);
        const s1 = segmentIndex(st.bounds, a.intervals[k + 1]!);
        for (let s = s0; s < s1; s++) {
          const w = st.lastWrite[s]!;
          if (w >= 0 && !ordered(w, b)) report(w, b, a.tensor, s, st, `${a.kind} after write`);
          const atomics = st.atomics[s]!;
          if (a.kind !== 'read') {
            for (const r of st.readQueues[s]!) {
              const reader = st.reader[s * nq + r]!;
              if (!ordered(reader, b)) report(reader, b, a.tensor, s, st, `${a.kind} after read`);
            }
          }
          for (const at of atomics) {
            if (at.kind !== a.kind && !ordered(at.node, b))
              report(at.node, b, a.tensor, s, st, `${a.kind} after ${at.kind}`);
          }
          if (a.kind === 'read') {
            if (st.reader[s * nq + q]! < 0) st.readQueues[s]!.push(q);
            st.reader[s * nq + q] = b;
          } else if (a.kind === 'write') {
            st.lastWrite[s] = b;
            for (const r of st.readQueues[s]!) st.reader[s * nq + r] = -1;
            st.readQueues[s] = [];
            st.atomics[s] = [];
          } else {
            // Atomics of another kind are ordered before this one (checked above): it stands for them.
            const kept = atomics.filter((at) => at.kind === a.kind && view.queueOf[at.node] !== q);
            kept.push({ node: b, kind: a.kind });
            st.atomics[s] = kept;
          }
        }
      }
    }
  }
  return out;
}
