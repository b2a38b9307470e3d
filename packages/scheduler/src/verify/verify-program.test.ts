import { decodeQueue, encodeQueue, FLAG_SPLIT_K, NONE16, Op } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { compile } from '../compile.js';
import { withInstruction } from '../testing/mutate.js';
import { tinyLlama } from '../testing/tiny-config.js';
import { verifyProgram } from './verify-program.js';

const base = compile(tinyLlama(), { queues: 4, maxSeqLen: 16 });
const find = (opcode: number, nth = 0) => {
  let seen = 0;
  for (let q = 0; q < base.queues.length; q++) {
    const list = decodeQueue(base.queues[q]!);
    for (let i = 0; i < list.length; i++)
      if (list[i]!.opcode === opcode && list[i]!.wait0Counter !== NONE16 && seen++ === nth)
        return { q, i, inst: list[i]! };
  }
  throw new Error('not found');
};

describe('verifyProgram', () => {
  it('accepts a compiled program', () => {
    expect(verifyProgram(base)).toEqual({ ok: true, violations: [] });
  });

  it('reports the first stuck wait of a deadlock: queue, index, counter, target, value', () => {
    const { q, i, inst } = find(Op.FUSED_MATMUL_RESIDUAL);
    const r = verifyProgram(withInstruction(base, q, i, (x) => (x.wait0Target += 1)));
    expect(r.ok).toBe(false);
    expect(r.violations[0]).toMatchObject({
      kind: 'deadlock',
      counter: inst.wait0Counter,
      target: inst.wait0Target + 1,
      step: 0,
    });
    expect(r.violations[0]!.value).toBeLessThan(inst.wait0Target + 1);
    expect(typeof r.violations[0]!.queue).toBe('number');
  });

  it('reports a race with the tensor, the element range and both instructions', () => {
    const { q, i, inst } = find(Op.ATTENTION_PARTIAL);
    const r = verifyProgram(withInstruction(base, q, i, (x) => (x.wait0Counter = NONE16)));
    const race = r.violations.find((v) => v.kind === 'race')!;
    expect(race.tensorName).toMatch(/^(q|kv\.\d)$/);
    expect(race.range![1]).toBeGreaterThan(race.range![0]);
    // The attention that lost its wait is one side; the QKV tile it should have waited for the other.
    const sides = [`${race.queue}:${race.index}`, `${race.other!.queue}:${race.other!.index}`];
    expect(sides).toContain(`${q}:${i}`);
    expect(inst.wait0Counter).toBeLessThan(base.counterCount);
  });

  it('reports steps that may overlap when the EMBED no longer waits for the previous LM head', () => {
    const { q, i } = find(Op.EMBED_GATHER);
    const r = verifyProgram(withInstruction(base, q, i, (x) => (x.wait0Counter = NONE16)));
    expect(r.violations[0]!.kind).toBe('step-overlap');
  });

  it('catches a signal of the wrong count as a deadlock in the second step', () => {
    // A counter signalled twice per step by the same LM tile would over-satisfy the first step
    // and under-satisfy nothing; an EMBED target above the LM tile count deadlocks in step 1.
    const { q, i, inst } = find(Op.EMBED_GATHER);
    const r = verifyProgram(withInstruction(base, q, i, (x) => (x.wait0Target = inst.wait0Target + 1)));
    expect(r.violations[0]).toMatchObject({ kind: 'deadlock', step: 1 });
  });

  it('rejects operands out of bounds and unknown counters', () => {
    const { q, i } = find(Op.FUSED_MATMUL_RESIDUAL);
    expect(verifyProgram(withInstruction(base, q, i, (x) => (x.a0 = 1000))).violations[0]!.kind).toBe(
      'bounds',
    );
    expect(
      verifyProgram(withInstruction(base, q, i, (x) => (x.wait0Counter = 999))).violations[0]!.kind,
    ).toBe('structure');
  });

  it('rejects a program with two EMBEDs', () => {
    const queues = [...base.queues];
    const embed = find(Op.EMBED_GATHER).inst;
    queues[3] = encodeQueue([
      ...decodeQueue(queues[3]!),
      { ...embed, wait0Counter: NONE16, wait0Target: 0, syncFlags: 0 },
    ]);
    expect(verifyProgram({ ...base, queues }).violations.some((v) => v.kind === 'structure')).toBe(true);
  });
});

describe('split-K coverage', () => {
  const split = compile(tinyLlama(), { queues: 4, maxSeqLen: 16, splitK: 2 });
  /** The first split-K down tile of the first K chunk (kStart 0): [queue, index, its instruction]. */
  const splitTile = () => {
    for (let q = 0; q < split.queues.length; q++) {
      const list = decodeQueue(split.queues[q]!);
      for (let i = 0; i < list.length; i++)
        if (
          list[i]!.opcode === Op.FUSED_MATMUL_RESIDUAL &&
          (list[i]!.flags & FLAG_SPLIT_K) !== 0 &&
          list[i]!.a2 === 0
        )
          return { q, i, inst: list[i]! };
    }
    throw new Error('no split-K tile');
  };

  it('accepts the compiled split-K program', () => {
    expect(splitTile().inst.a3).toBeGreaterThan(0);
    expect(verifyProgram(split)).toEqual({ ok: true, violations: [] });
  });

  it('a kCount of 0 (to the end of K) adds cells a partner adds too: a coverage violation', () => {
    const { q, i, inst } = splitTile();
    // The first chunk stops short of K, so "to the end" reaches into its partners' chunks.
    expect(inst.a3).toBeLessThan(tinyLlama().intermediateSize);
    const r = verifyProgram(withInstruction(split, q, i, (x) => (x.a3 = 0)));
    const v = r.violations.find((x) => x.kind === 'coverage');
    expect(v?.message).toMatch(/adds cells that a partner .* adds too/);
    // Atomic adds commute: no race check could have seen it.
    expect(r.violations.some((x) => x.kind === 'race')).toBe(false);
  });

  it('a kCount one column short leaves a column never added', () => {
    const { q, i } = splitTile();
    const r = verifyProgram(withInstruction(split, q, i, (x) => (x.a3 -= 1)));
    expect(r.violations.find((x) => x.kind === 'coverage')?.message).toMatch(/never added/);
  });
});

describe('uninitialised reads', () => {
  it('a RoPE table whose init was deleted is read by QKV before anything writes it', () => {
    const rope = base.tensors.find((t) => t.init?.kind === 'rope-table')!;
    const tensors = base.tensors.map((t) => {
      if (t.id !== rope.id) return t;
      const { init: _dropped, ...rest } = t;
      return rest;
    });
    const r = verifyProgram({ ...base, tensors });
    const v = r.violations.find((x) => x.kind === 'coverage')!;
    expect(v.tensorName).toBe(rope.name);
    expect(v.message).toMatch(/has no init and nothing writes before this read/);
    expect(decodeQueue(base.queues[v.queue]!)[v.index]!.opcode).toBe(Op.FUSED_NORM_QKV_ROPE);
  });

  it('scratch without an init is fine when every read follows a write in the step', () => {
    // The attention output is written by the partials/reduction before O reads it.
    const tensors = base.tensors.map((t) => {
      if (t.region !== 'state' || t.init?.kind !== 'zero' || !/attn/i.test(t.name)) return t;
      const { init: _dropped, ...rest } = t;
      return rest;
    });
    expect(tensors.some((t, i) => t !== base.tensors[i])).toBe(true);
    expect(verifyProgram({ ...base, tensors })).toEqual({ ok: true, violations: [] });
  });
});

describe('per-layer operands', () => {
  it("an instruction of layer 1 reading layer 0's norm weights is a structure violation", () => {
    const w0 = base.tensors.find((t) => t.layer === 0 && t.region === 'weights' && /norm/i.test(t.name))!;
    const w1 = base.tensors.find((t) => t.layer === 1 && t.name === w0.name.replace(/\.0(\b|\.)/, '.1$1'))!;
    expect(w1).toBeDefined();
    let edited: { q: number; i: number } | undefined;
    for (let q = 0; q < base.queues.length && !edited; q++) {
      decodeQueue(base.queues[q]!).forEach((inst, i) => {
        if (!edited && inst.layer === 1 && inst.t1 === w1.id) edited = { q, i };
      });
    }
    const r = verifyProgram(withInstruction(base, edited!.q, edited!.i, (x) => (x.t1 = w0.id)));
    expect(r.violations[0]).toMatchObject({ kind: 'structure', queue: edited!.q, index: edited!.i });
    expect(r.violations[0]!.message).toMatch(/a tensor of layer 0, in an instruction of layer 1/);
  });
});

describe('the loader-read rule: an expert product reads its route ahead of its queue', () => {
  const mixtral = tinyLlama({
    architecture: 'mixtral',
    moe: { numExperts: 4, topK: 2, normalizeTopK: true },
  });
  // On one queue program order orders everything, so elision drops every wait it may.
  const oneQueue = compile(mixtral, { queues: 1, maxSeqLen: 16 });
  const products = decodeQueue(oneQueue.queues[0]!)
    .map((inst, i) => ({ inst, i }))
    .filter(({ inst }) => inst.opcode === Op.MOE_MATVEC);

  it('keeps the waits of every expert product, even where program order implies them', () => {
    expect(verifyProgram(oneQueue)).toEqual({ ok: true, violations: [] });
    expect(products.length).toBeGreaterThan(0);
    for (const { inst } of products) expect(inst.wait0Counter).not.toBe(NONE16);
    // Everything else lost its same-step waits: one queue orders it.
    const others = decodeQueue(oneQueue.queues[0]!).filter((inst) => inst.opcode !== Op.MOE_MATVEC);
    expect(others.filter((inst) => inst.wait0Counter !== NONE16 && inst.syncFlags === 0)).toEqual([]);
  });

  it('refuses an expert product without its wait, which only program order would still order', () => {
    const { i } = products[0]!;
    const r = verifyProgram(
      withInstruction(oneQueue, 0, i, (x) => {
        x.wait0Counter = NONE16;
        x.wait0Target = 0;
        x.wait1Counter = NONE16;
        x.wait1Target = 0;
      }),
    );
    expect(r.ok).toBe(false);
    expect(r.violations.some((v) => v.kind === 'race' && /loader reads/.test(v.message))).toBe(true);
  });

  it("refuses a down product whose slot streams another slot's tiles (weight coverage per expert block)", () => {
    const down = products.filter(({ inst }) => (inst.flags & 0x02) !== 0);
    const slot1 = down.find(({ inst }) => inst.b0 === 1)!;
    const r = verifyProgram(withInstruction(oneQueue, 0, slot1.i, (x) => (x.b0 = 0)));
    expect(r.ok).toBe(false);
  });
});

describe('step coverage of a conditional write', () => {
  // The LM head writes its candidate list only under non-greedy settings (a conditional write); SAMPLE
  // reads every list. A tile given another tile's list leaves a list unwritten, which SAMPLE would read
  // as the previous step's candidates: the coverage check must see it, not only the race between the two.
  const sampled = compile(tinyLlama(), { queues: 2, maxSeqLen: 16, deviceSampler: true });
  const lmHead = (q: number) => {
    const list = decodeQueue(sampled.queues[q]!);
    const i = list.findIndex((x) => x.opcode === Op.FUSED_NORM_LM_HEAD_ARGMAX);
    return { i, inst: list[i]! };
  };

  it('accepts the compiled program with a device sampler', () => {
    expect(lmHead(0).inst.a3).not.toBe(lmHead(1).inst.a3);
    expect(verifyProgram(sampled)).toEqual({ ok: true, violations: [] });
  });

  it("an LM head tile given another tile's candidate list leaves a list SAMPLE reads unwritten", () => {
    const r = verifyProgram(withInstruction(sampled, 1, lmHead(1).i, (x) => (x.a3 = lmHead(0).inst.a3)));
    const v = r.violations.find((x) => x.kind === 'coverage');
    expect(v?.tensorName).toMatch(/candidates/);
    expect(v?.message).toMatch(/which no instruction of the step writes/);
    expect(decodeQueue(sampled.queues[v!.queue]!)[v!.index]!.opcode).toBe(Op.SAMPLE);
  });
});
