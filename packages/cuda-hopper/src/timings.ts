/**
 * The kernel's per-instruction timing records (globaltimer at plan receipt, wait satisfied, signal),
 * parsed and summarised per opcode: where a token's time goes.
 */
import { decodeQueue, opcodeInfo, type Program } from '@megakernel/isa';

export interface InstructionTiming {
  readonly queue: number;
  readonly step: number;
  readonly index: number;
  readonly opcode: string;
  readonly layer: number;
  /** ns since the earliest start in the launch. */
  readonly start: number;
  readonly waitNs: number;
  readonly totalNs: number;
}

export interface OpcodeTimingSummary {
  readonly opcode: string;
  readonly count: number;
  /** Sum over instructions of (end - start), ns: busy time of the SMs running it. */
  readonly totalNs: number;
  /** Part of totalNs spent waiting on dependency counters. */
  readonly waitNs: number;
  readonly meanNs: number;
  readonly meanWaitNs: number;
}

export function parseTimings(
  program: Program,
  raw: { bytes: Uint8Array; queues: number; maxQueueLen: number },
  steps: number,
): InstructionTiming[] {
  const view = new DataView(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength);
  const queues = program.queues.map((q) => decodeQueue(q));
  const out: InstructionTiming[] = [];
  let t0 = Number.POSITIVE_INFINITY;
  const rows: { q: number; s: number; i: number; start: number; wait: number; total: number }[] = [];
  for (let q = 0; q < raw.queues; q++) {
    for (let s = 0; s < steps; s++) {
      for (let i = 0; i < queues[q]!.length; i++) {
        const o = ((q * steps + s) * raw.maxQueueLen + i) * 16;
        if (o + 16 > view.byteLength) continue;
        const start = Number(view.getBigUint64(o, true));
        if (start === 0) continue;
        t0 = Math.min(t0, start);
        rows.push({ q, s, i, start, wait: view.getUint32(o + 8, true), total: view.getUint32(o + 12, true) });
      }
    }
  }
  for (const r of rows) {
    const inst = queues[r.q]![r.i]!;
    out.push({
      queue: r.q,
      step: r.s,
      index: r.i,
      opcode: opcodeInfo(inst.opcode)?.name ?? `0x${inst.opcode.toString(16)}`,
      layer: inst.layer,
      start: r.start - t0,
      waitNs: r.wait,
      totalNs: r.total,
    });
  }
  return out;
}

export function summariseTimings(rows: readonly InstructionTiming[]): OpcodeTimingSummary[] {
  const by = new Map<string, { count: number; total: number; wait: number }>();
  for (const r of rows) {
    const e = by.get(r.opcode) ?? { count: 0, total: 0, wait: 0 };
    e.count++;
    e.total += r.totalNs;
    e.wait += r.waitNs;
    by.set(r.opcode, e);
  }
  return [...by.entries()]
    .map(([opcode, e]) => ({
      opcode,
      count: e.count,
      totalNs: e.total,
      waitNs: e.wait,
      meanNs: e.total / e.count,
      meanWaitNs: e.wait / e.count,
    }))
    .sort((a, b) => b.totalNs - a.totalNs);
}

export interface PhaseTiming {
  /** The op a counter names (`qkv`, `attention`, `o`, `down`...), or the opcode of an op that signals nothing. */
  readonly kind: string;
  /** Mean over layers and steps, ns from the layer's first ready instruction: first plan received, first and
   * last wait satisfied, last instruction done. */
  readonly firstStart: number;
  readonly firstReady: number;
  readonly lastReady: number;
  readonly lastEnd: number;
  readonly instances: number;
}

/**
 * A decode layer's phases as the whole GPU sees them: for every op of a layer, when its first and last
 * tile could start (dependencies satisfied) and when its last tile ended, averaged over layers and steps.
 * The gaps between one phase's last end and the next one's first ready are the grid-wide hops' latency;
 * last ready minus first ready is their skew.
 */
export function phaseTimeline(program: Program, rows: readonly InstructionTiming[]): PhaseTiming[] {
  const queues = program.queues.map((q) => decodeQueue(q));
  const metaNames = program.meta.counterNames;
  const names: readonly string[] = Array.isArray(metaNames) ? (metaNames as string[]) : [];
  const groups = new Map<string, { kind: string; s: number; r0: number; r1: number; e: number }>();
  for (const r of rows) {
    const inst = queues[r.queue]![r.index]!;
    const counter = inst.signalCounter;
    const name = counter !== 0xffff && names[counter] ? names[counter]! : r.opcode.toLowerCase();
    const kind = name.replace(/#\d+$/, '').replace(/\.\d+$/, '');
    const key = `${r.step}/${r.layer}/${kind}`;
    const ready = r.start + r.waitNs;
    const end = r.start + r.totalNs;
    const g = groups.get(key);
    if (!g) groups.set(key, { kind, s: r.start, r0: ready, r1: ready, e: end });
    else {
      g.s = Math.min(g.s, r.start);
      g.r0 = Math.min(g.r0, ready);
      g.r1 = Math.max(g.r1, ready);
      g.e = Math.max(g.e, end);
    }
  }
  const origin = new Map<string, number>();
  for (const [key, g] of groups) {
    const layerKey = key.slice(0, key.lastIndexOf('/'));
    origin.set(layerKey, Math.min(origin.get(layerKey) ?? Number.POSITIVE_INFINITY, g.r0));
  }
  const by = new Map<string, { s: number; r0: number; r1: number; e: number; n: number }>();
  for (const [key, g] of groups) {
    const o = origin.get(key.slice(0, key.lastIndexOf('/')))!;
    const a = by.get(g.kind) ?? { s: 0, r0: 0, r1: 0, e: 0, n: 0 };
    a.s += g.s - o;
    a.r0 += g.r0 - o;
    a.r1 += g.r1 - o;
    a.e += g.e - o;
    a.n++;
    by.set(g.kind, a);
  }
  return [...by.entries()]
    .map(([kind, a]) => ({
      kind,
      firstStart: a.s / a.n,
      firstReady: a.r0 / a.n,
      lastReady: a.r1 / a.n,
      lastEnd: a.e / a.n,
      instances: a.n,
    }))
    .sort((x, y) => x.firstReady - y.firstReady);
}
