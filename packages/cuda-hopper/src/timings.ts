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
