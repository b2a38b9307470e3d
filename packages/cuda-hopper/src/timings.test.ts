import { decodeQueue, NONE16, opcodeInfo } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { tinyProgram } from './test-programs.js';
import { parseTimings, phaseTimeline, summariseTimings } from './timings.js';

describe('timing records', () => {
  it('parses [queue][step][index] records and summarises them per opcode', () => {
    const program = tinyProgram();
    const steps = 2;
    const maxQueueLen = 4;
    const bytes = new Uint8Array(steps * maxQueueLen * 16);
    const view = new DataView(bytes.buffer);
    for (let s = 0; s < steps; s++) {
      for (let i = 0; i < 4; i++) {
        const o = (s * maxQueueLen + i) * 16;
        view.setBigUint64(o, BigInt(1_000_000 + s * 10_000 + i * 1000), true);
        view.setUint32(o + 8, 100 * i, true);
        view.setUint32(o + 12, 500 + 100 * i, true);
      }
    }
    const rows = parseTimings(program, { bytes, queues: 1, maxQueueLen }, steps);
    expect(rows).toHaveLength(8);
    expect(rows[0]).toMatchObject({ opcode: 'EMBED_GATHER', start: 0, waitNs: 0, totalNs: 500 });
    expect(rows[7]).toMatchObject({
      step: 1,
      opcode: 'FUSED_NORM_LM_HEAD_ARGMAX',
      start: 13000,
      totalNs: 800,
    });
    const summary = summariseTimings(rows);
    expect(summary[0]).toMatchObject({
      opcode: 'FUSED_NORM_LM_HEAD_ARGMAX',
      count: 2,
      meanNs: 800,
      meanWaitNs: 300,
    });
  });
});

describe('phase timeline', () => {
  it("averages each op's first/last ready and last end over layers, from the layer's first ready tile", () => {
    const base = tinyProgram();
    const insts = decodeQueue(base.queues[0]!);
    // Name the signal counters as the scheduler does (`<op>.<layer>#<class>`); one that signals nothing
    // is known by its opcode.
    expect(insts.map((i) => i.signalCounter)).toEqual([0, 1, 2, NONE16]);
    const counterNames = ['qkv.0#0', 'qkv.0#1', 'down.0'];
    const program = { ...base, meta: { counterNames } };
    const row = (
      index: number,
      layer: number,
      step: number,
      start: number,
      waitNs: number,
      totalNs: number,
    ) => ({
      queue: 0,
      step,
      index,
      opcode: opcodeInfo(insts[index]!.opcode)!.name,
      layer,
      start,
      waitNs,
      totalNs,
    });
    // Two layers: instructions 0 and 1 are one op (two classes), 2 and 3 the next; times in ns.
    const rows = [
      row(0, 0, 0, 0, 100, 1000),
      row(1, 0, 0, 50, 250, 900),
      row(2, 0, 0, 1000, 500, 2000),
      row(0, 1, 0, 5000, 200, 1000),
      row(1, 1, 0, 5000, 400, 1200),
      row(2, 1, 0, 6000, 700, 3000),
    ];
    const phases = phaseTimeline(program, [...rows, row(3, 0, 0, 3000, 0, 4000)]);
    const named = (kind: string) => phases.find((p) => p.kind === kind)!;
    // Layer 0: origin 100 (first ready); qkv ready 100..300, ends 1000. Layer 1: origin 5200, ready
    // 5200..5400, ends 6200. Means: first ready 0, last ready 200, last end (900 + 1000) / 2.
    expect(named('qkv')).toMatchObject({ firstReady: 0, lastReady: 200, lastEnd: 950, instances: 2 });
    // down: ready at 1500 - 100 and 6700 - 5200; ends 3000 - 100 and 9000 - 5200.
    expect(named('down')).toMatchObject({ firstReady: 1450, lastReady: 1450, lastEnd: 3350, instances: 2 });
    // The LM head signals nothing: known by its opcode (ready 3000 - 100).
    expect(named('fused_norm_lm_head_argmax')).toMatchObject({
      firstReady: 2900,
      lastEnd: 6900,
      instances: 1,
    });
    expect(phases.map((p) => p.firstReady)).toEqual(
      [...phases.map((p) => p.firstReady)].sort((a, b) => a - b),
    );
  });
});
