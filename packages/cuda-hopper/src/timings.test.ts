import { describe, expect, it } from 'vitest';
import { tinyProgram } from './test-programs.js';
import { parseTimings, summariseTimings } from './timings.js';

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
