import { decodeQueue, type Instruction, NONE16, Op, SYNC_WAIT0_PREVIOUS_STEP } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import { tinyLlama } from './testing/tiny-config.js';
import { verifyProgram } from './verify/verify-program.js';

/** Every instruction with the counters it waits on, before elision (one queue per instruction keeps them all). */
function program(options: Parameters<typeof compile>[1]['attentionChunks'] = 1) {
  const p = compile(tinyLlama(), {
    queues: 200,
    maxSeqLen: 16,
    attentionChunks: options,
    splitK: 2,
    tileRows: 8,
  });
  const insts: Instruction[] = p.queues.flatMap((q) => decodeQueue(q));
  const signallers = (c: number) => insts.filter((i) => i.signalCounter === c);
  return { p, insts, signallers };
}

describe('counters from tile overlap', () => {
  it('attention waits only for the QKV tiles of its own KV group', () => {
    const { p, insts, signallers } = program();
    const d = 16;
    const groupOf = (row: number) =>
      row < 64 ? Math.floor(row / (2 * d)) : Math.floor(((row - 64) % 32) / d);
    for (const a of insts.filter((i) => i.opcode === Op.ATTENTION_PARTIAL && i.layer === 0)) {
      const producers = signallers(a.wait0Counter);
      expect(a.wait0Target).toBe(producers.length);
      expect(producers.every((q) => q.opcode === Op.FUSED_NORM_QKV_ROPE && q.layer === 0)).toBe(true);
      // Q rows of the group's heads, and its K and V rows: 64 of the 128 QKV rows.
      expect(producers.reduce((n, q) => n + q.a1, 0)).toBe(64);
      for (const q of producers) expect(groupOf(q.a0)).toBe(a.a0);
    }
    expect(p.counterCount).toBeGreaterThan(0);
  });

  it('split-K down tiles wait for every gate/up tile: their residual add overwrites what all of them read', () => {
    const { insts, signallers } = program();
    const gateUp = insts.filter((i) => i.opcode === Op.FUSED_NORM_GATE_UP_ACT && i.layer === 0);
    for (const down of insts.filter(
      (i) => i.opcode === Op.FUSED_MATMUL_RESIDUAL && i.a3 > 0 && i.layer === 0,
    )) {
      expect(signallers(down.wait0Counter)).toEqual(gateUp);
      expect(down.wait0Target).toBe(gateUp.length);
    }
  });

  it("reductions wait for their group's partials; O waits for every reduction", () => {
    const { insts, signallers } = program(2);
    for (const r of insts.filter((i) => i.opcode === Op.ATTENTION_REDUCE)) {
      const partials = signallers(r.wait0Counter);
      expect(partials).toHaveLength(2);
      expect(
        partials.every((a) => a.opcode === Op.ATTENTION_PARTIAL && a.a0 * 2 === r.a0 && a.layer === r.layer),
      ).toBe(true);
    }
    const o = insts.find((i) => i.opcode === Op.FUSED_MATMUL_RESIDUAL && i.a3 === 0 && i.layer === 1)!;
    expect(signallers(o.wait0Counter).every((i) => i.opcode === Op.ATTENTION_REDUCE)).toBe(true);
    expect(o.wait0Target).toBe(2);
  });

  it('with the device sampler every LM-head tile reads the sampling words, and SAMPLE waits for every tile', () => {
    const p = compile(tinyLlama(), { queues: 200, maxSeqLen: 16, tileRows: 8, deviceSampler: true });
    const insts = p.queues.flatMap((q) => decodeQueue(q));
    const lm = insts.filter((i) => i.opcode === Op.FUSED_NORM_LM_HEAD_ARGMAX);
    expect(lm.length).toBeGreaterThan(1);
    expect(lm.every((i) => i.t6 === p.io.candidates && i.t7 === p.io.sampling)).toBe(true);
    // The host writes the words before the launch: a read of them makes no wait of its own, and the
    // candidates' possible write still orders SAMPLE after every tile.
    const sample = insts.find((i) => i.opcode === Op.SAMPLE)!;
    expect(insts.filter((i) => i.signalCounter === sample.wait0Counter)).toEqual(lm);
    expect(sample.wait0Target).toBe(lm.length);
    expect(sample.wait1Counter).toBe(NONE16);
    expect(verifyProgram(p)).toEqual({ ok: true, violations: [] });
  });

  it("the next step's EMBED waits for every LM-head tile of the previous step", () => {
    const { insts, signallers } = program();
    const embed = insts.find((i) => i.opcode === Op.EMBED_GATHER)!;
    expect(embed.syncFlags & SYNC_WAIT0_PREVIOUS_STEP).toBe(SYNC_WAIT0_PREVIOUS_STEP);
    const lm = insts.filter((i) => i.opcode === Op.FUSED_NORM_LM_HEAD_ARGMAX);
    expect(signallers(embed.wait0Counter)).toEqual(lm);
    expect(embed.wait0Target).toBe(lm.length);
    expect(embed.wait1Counter).toBe(NONE16);
  });
});
