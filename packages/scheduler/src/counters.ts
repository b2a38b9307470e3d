/**
 * Dependency counters derived from the tiles' actual overlap. For every producer → consumer edge
 * of the op graph, each consumer tile needs exactly the producer tiles whose accesses conflict with
 * its own (a write on either side, atomics of one kind commute). Producer tiles needed by the same
 * consumers form one class and signal one counter; a consumer waits on the classes it needs, with
 * target = the class size. Attention therefore waits only for its own KV group's QKV tiles.
 *
 * An instruction has one signal and two waits. When a consumer would need more than two counters,
 * the producer op contributing most of them is coarsened to a single counter (over-waiting is safe).
 */
import {
  type Instruction,
  NONE16,
  SYNC_WAIT0_PREVIOUS_STEP,
  SYNC_WAIT1_PREVIOUS_STEP,
  type TensorEntry,
} from '@megakernel/isa';
import type { LoweredGraph } from './graph.js';
import { type Access, type AccessKind, conflictingAccesses, instructionAccesses } from './verify/accesses.js';

export interface CounterAssignment {
  /** The graph's instructions with waits and signals set. */
  readonly insts: readonly Instruction[];
  readonly counterCount: number;
  /** One readable name per counter id (`qkv.3#1`: layer 3's QKV tiles of class 1). */
  readonly counterNames: readonly string[];
}

export function conflicts(a: AccessKind, b: AccessKind): boolean {
  if (a === 'read' && b === 'read') return false;
  if (a === b && a !== 'read' && a !== 'write') return false;
  return true;
}

interface Interval {
  readonly lo: number;
  readonly hi: number;
  readonly node: number;
  readonly kind: AccessKind;
}

/** One tensor's producer intervals sorted by start, and the longest, so a query scans only a window. */
interface TensorIntervals {
  readonly list: Interval[];
  readonly maxLength: number;
}

/** The producer op's accesses by tensor, for overlap queries. */
function indexAccesses(
  nodes: readonly number[],
  accesses: readonly Access[][],
): Map<number, TensorIntervals> {
  const lists = new Map<number, Interval[]>();
  for (const node of nodes) {
    for (const a of accesses[node]!) {
      const list = lists.get(a.tensor) ?? [];
      for (let i = 0; i < a.intervals.length; i += 2)
        list.push({ lo: a.intervals[i]!, hi: a.intervals[i + 1]!, node, kind: a.kind });
      lists.set(a.tensor, list);
    }
  }
  const byTensor = new Map<number, TensorIntervals>();
  for (const [tensor, list] of lists) {
    list.sort((x, y) => x.lo - y.lo);
    byTensor.set(tensor, { list, maxLength: list.reduce((m, p) => Math.max(m, p.hi - p.lo), 0) });
  }
  return byTensor;
}

/** First index of `list` (sorted by lo) whose lo exceeds `bound`. */
function firstAbove(list: readonly Interval[], bound: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.lo > bound) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Producer tiles that conflict with one consumer tile's accesses. A producer interval [p.lo, p.hi)
 * overlaps [lo, hi) only if lo - maxLength < p.lo < hi, so each query scans that window of the sorted
 * list (a prefill step's per-token consumers against 30k product-tile rows otherwise scan them all).
 */
function neededProducers(consumer: readonly Access[], producers: Map<number, TensorIntervals>): number[] {
  const need = new Set<number>();
  for (const a of consumer) {
    const entry = producers.get(a.tensor);
    if (!entry) continue;
    const { list, maxLength } = entry;
    for (let i = 0; i < a.intervals.length; i += 2) {
      const lo = a.intervals[i]!;
      const hi = a.intervals[i + 1]!;
      for (let k = firstAbove(list, lo - maxLength); k < list.length && list[k]!.lo < hi; k++) {
        const p = list[k]!;
        if (lo < p.hi && conflicts(a.kind, p.kind)) need.add(p.node);
      }
    }
  }
  return [...need].sort((x, y) => x - y);
}

/** Position at which same-step accesses are compared (any position > 0 gives the same overlaps). */
function analysisPosition(tensors: readonly TensorEntry[]): number {
  const tokens = tensors.find((t) => t.name === 'tokens');
  // A prefill step's tokens take the positions after the step's: the last must stay in the context.
  const perStep = tensors.find((t) => t.tokenAxis)?.shape[0] ?? 1;
  return tokens && tokens.shape[0]! > perStep ? 1 : 0;
}

export function deriveCounters(graph: LoweredGraph, tensors: readonly TensorEntry[]): CounterAssignment {
  const ctx = { pos: analysisPosition(tensors), kvRows: 'current' as const, skipWeights: true };
  const accesses = conflictingAccesses(graph.insts.map((inst) => instructionAccesses(inst, tensors, ctx)));
  const { ops } = graph;
  // Each access as a string once: the per-edge keys below join them (a prefill program has 70k+ tiles).
  const accessKeys = accesses.map((list) =>
    list.map((a) => `${a.tensor}:${a.kind}:${a.intervals.join(',')}`),
  );

  // need[c][e] = producer tiles consumer tile c needs through edge e of its op.
  const need: (number[] | 'all')[][] = graph.insts.map(() => []);
  for (const op of ops) {
    op.after.forEach((edge, e) => {
      const producer = ops[edge.op]!;
      if (edge.previousStep) {
        // A step boundary: the whole producer op, whatever the overlap.
        for (const c of op.nodes) need[c]![e] = 'all';
        return;
      }
      const index = indexAccesses(producer.nodes, accesses);
      const cache = new Map<string, number[]>();
      for (const c of op.nodes) {
        const mine = accesses[c]!;
        let key = '';
        for (let i = 0; i < mine.length; i++) if (index.has(mine[i]!.tensor)) key += `${accessKeys[c]![i]}|`;
        let set = cache.get(key);
        if (set === undefined) {
          set = neededProducers(
            mine.filter((a) => index.has(a.tensor)),
            index,
          );
          cache.set(key, set);
        }
        need[c]![e] = set;
      }
    });
  }

  // Coarsen one producer op at a time until no tile waits on more than two classes. Coarsening op X
  // changes only X's classes (all its tiles become one; every other op's hash is over need sets that
  // do not involve X), so the loop merges them in place and classifies from scratch once at the end,
  // for the numbering and names emit uses (a prefill program takes ~50 rounds over 70k tiles).
  const coarse = new Set<number>();
  let classes = classify(graph, need, coarse);
  for (;;) {
    const overfull = findOverfull(graph, need, classes, coarse);
    if (overfull === undefined) break;
    coarse.add(overfull);
    classes = mergeClasses(classes, graph.ops[overfull]!.nodes);
  }
  return emit(graph, need, coarse.size > 0 ? classify(graph, need, coarse) : classes, coarse);
}

/** `classes` with every tile of `nodes` (one op) in one new class. */
function mergeClasses(classes: Classes, nodes: readonly number[]): Classes {
  const classOf = classes.classOf.slice();
  const id = classes.members.length;
  for (const n of nodes) classOf[n] = id;
  return { classOf, members: [...classes.members, [...nodes]], names: classes.names };
}

interface Classes {
  /** Class id per instruction as a producer (-1: signals nothing). */
  readonly classOf: Int32Array;
  readonly members: number[][];
  readonly names: string[];
}

/** Groups each producer op's tiles by the consumers that need them; coarse ops form one class. */
function classify(
  graph: LoweredGraph,
  need: readonly (number[] | 'all')[][],
  coarse: ReadonlySet<number>,
): Classes {
  // A producer's signature: which consumer tiles need it, as two running hashes and a count.
  const n = graph.insts.length;
  const h1 = new Int32Array(n);
  const h2 = new Int32Array(n);
  const count = new Int32Array(n);
  for (const op of graph.ops) {
    op.after.forEach((edge, e) => {
      const producer = graph.ops[edge.op]!;
      for (const c of op.nodes) {
        const set = need[c]![e]!;
        const nodes = set === 'all' || coarse.has(producer.id) ? producer.nodes : set;
        const key = 2 * c + (edge.previousStep ? 1 : 0);
        for (const p of nodes) {
          h1[p] = Math.imul(h1[p]! ^ key, 0x9e3779b1) + 0x7f4a7c15;
          h2[p] = Math.imul(h2[p]! + key, 0x85ebca6b) ^ (h2[p]! >>> 13);
          count[p]!++;
        }
      }
    });
  }
  const classOf = new Int32Array(graph.insts.length).fill(-1);
  const members: number[][] = [];
  const names: string[] = [];
  for (const op of graph.ops) {
    const byKey = new Map<string, number>();
    const local: number[] = [];
    for (const p of op.nodes) {
      if (count[p] === 0) continue;
      const key = coarse.has(op.id) ? 'all' : `${h1[p]}:${h2[p]}:${count[p]}`;
      let id = byKey.get(key);
      if (id === undefined) {
        id = members.length;
        byKey.set(key, id);
        members.push([]);
        local.push(id);
      }
      members[id]!.push(p);
      classOf[p] = id;
    }
    const base = `${op.kind}${op.layer !== null ? `.${op.layer}` : ''}`;
    local.forEach((id, k) => {
      names[id] = local.length > 1 ? `${base}#${k}` : base;
    });
  }
  return { classOf, members, names };
}

/** Classes a consumer tile waits on, with the previous-step bit. */
function waitsOf(
  graph: LoweredGraph,
  c: number,
  need: readonly (number[] | 'all')[][],
  classes: Classes,
  coarse: ReadonlySet<number>,
): { cls: number; previousStep: boolean; producerOp: number }[] {
  const op = graph.ops[graph.opOf[c]!]!;
  const out: { cls: number; previousStep: boolean; producerOp: number }[] = [];
  op.after.forEach((edge, e) => {
    const producer = graph.ops[edge.op]!;
    const set = need[c]![e]!;
    const nodes = set === 'all' || coarse.has(producer.id) ? producer.nodes : set;
    const seen = new Set<number>();
    for (const p of nodes) {
      const cls = classes.classOf[p]!;
      if (cls >= 0 && !seen.has(cls)) {
        seen.add(cls);
        out.push({ cls, previousStep: edge.previousStep, producerOp: producer.id });
      }
    }
  });
  return out;
}

function findOverfull(
  graph: LoweredGraph,
  need: readonly (number[] | 'all')[][],
  classes: Classes,
  coarse: ReadonlySet<number>,
): number | undefined {
  for (let c = 0; c < graph.insts.length; c++) {
    const waits = waitsOf(graph, c, need, classes, coarse);
    if (waits.length <= 2) continue;
    const perOp = new Map<number, number>();
    for (const w of waits) perOp.set(w.producerOp, (perOp.get(w.producerOp) ?? 0) + 1);
    const [worst, count] = [...perOp].sort((a, b) => b[1] - a[1])[0]!;
    if (count <= 1 || coarse.has(worst)) {
      throw new Error(
        `instruction ${c} (${graph.ops[graph.opOf[c]!]!.kind}) depends on more than two producer ops`,
      );
    }
    return worst;
  }
  return undefined;
}

function emit(
  graph: LoweredGraph,
  need: readonly (number[] | 'all')[][],
  classes: Classes,
  coarse: ReadonlySet<number>,
): CounterAssignment {
  const insts = graph.insts.map((inst, i): Instruction => {
    const out = { ...inst };
    const cls = classes.classOf[i]!;
    out.signalCounter = cls >= 0 ? cls : NONE16;
    const waits = waitsOf(graph, i, need, classes, coarse);
    waits.forEach((w, k) => {
      const target = classes.members[w.cls]!.length;
      if (k === 0) {
        out.wait0Counter = w.cls;
        out.wait0Target = target;
        if (w.previousStep) out.syncFlags |= SYNC_WAIT0_PREVIOUS_STEP;
      } else {
        out.wait1Counter = w.cls;
        out.wait1Target = target;
        if (w.previousStep) out.syncFlags |= SYNC_WAIT1_PREVIOUS_STEP;
      }
    });
    return out;
  });
  return { insts, counterCount: classes.members.length, counterNames: classes.names };
}
