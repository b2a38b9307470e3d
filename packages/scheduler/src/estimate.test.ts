import { decodeQueue } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import { indexCounters, waitsOf } from './dependency-graph.js';
import { estimateCosts } from './estimate.js';
import { formatScheduleReport, scheduleReport } from './report.js';
import { renderScheduleSvg } from './svg.js';
import { tinyGpt2, tinyLlama } from './testing/tiny-config.js';
import { expectedTokenTraffic } from './traffic.js';

const program = compile(tinyLlama(), { queues: 5, maxSeqLen: 32, attentionChunks: 2 });

describe('estimateCosts', () => {
  const est = estimateCosts(program);

  it('starts every instruction after its queue predecessor and after each counter it waits on', () => {
    const flat = program.queues.flatMap((q) => decodeQueue(q));
    const at = est.instructions.flat();
    const counters = indexCounters(flat, program.counterCount);
    at.forEach((e, i) => {
      if (e.index > 0)
        expect(e.startUs).toBeGreaterThanOrEqual(est.instructions[e.queue]![e.index - 1]!.endUs);
      for (const w of waitsOf(flat[i]!)) {
        if (w.previousStep) continue;
        for (const s of counters.signallers[w.counter]!)
          expect(e.startUs).toBeGreaterThanOrEqual(at[s]!.endUs + est.params.syncUs - 1e-9);
      }
      expect(e.endUs - e.startUs).toBeCloseTo(e.us, 9);
    });
  });

  it('finds a critical path ending at the makespan', () => {
    const last = est.criticalPath[est.criticalPath.length - 1]!;
    expect(est.instructions[last.queue]![last.index]!.endUs).toBe(est.makespanUs);
    expect(est.criticalPath[0]).toMatchObject({ index: 0 });
    expect(Math.max(...est.endUs)).toBe(est.makespanUs);
  });

  it('charges attention for the context it is asked about', () => {
    const short = estimateCosts(program, { context: 4 });
    const kv = (e: typeof est) => e.instructions.flat().reduce((a, x) => a + x.kvBytes, 0);
    expect(kv(short)).toBeLessThan(kv(est));
    expect(short.context).toBe(4);
  });
});

describe('scheduleReport', () => {
  it('counts instructions per op and layer, and the bytes a token must move', () => {
    const mixtral = tinyLlama({
      architecture: 'mixtral',
      moe: { numExperts: 5, topK: 2, normalizeTopK: true },
    });
    for (const config of [tinyLlama(), tinyGpt2(), mixtral]) {
      const p = compile(config, { queues: 3, maxSeqLen: 32 });
      const r = scheduleReport(p);
      expect(r.instructions).toBe(p.queues.reduce((a, q) => a + q.byteLength / 64, 0));
      expect(r.roles.find((x) => x.role === 'embed')!.instructions).toBe(1);
      for (const layer of r.instructionsPerLayer) expect(layer).toEqual(r.instructionsPerLayer[0]);
      const want = expectedTokenTraffic(config, 32, 2);
      expect(r.bytesPerToken.weights).toBe(want.weights);
      expect(r.bytesPerToken.kv).toBe(want.kv);
      expect(r.estimate.imbalance).toBeGreaterThanOrEqual(1);
      expect(formatScheduleReport(r)).toContain('| qkv |');
    }
  });
});

describe('renderScheduleSvg', () => {
  it('draws one bar per instruction, a row label per queue, a time axis and a legend', () => {
    const est = estimateCosts(program);
    const svg = renderScheduleSvg(program, est);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const bars =
      svg.match(/<rect x="[\d.]+" y="\d+" width="[\d.]+" height="\d+" fill="#[0-9a-f]{6}"><title>/g) ?? [];
    expect(bars).toHaveLength(est.instructions.flat().length);
    expect(svg).toContain('time (µs)');
    for (const role of ['qkv', 'attention', 'attention-reduce', 'o', 'gate-up', 'down', 'lm-head'])
      expect(svg).toContain(`>${role}</text>`);
  });
});
