/** Counters, interleavings and the VM's named errors, on small hand-built programs. */
import { makeInstruction, Op } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { data, Harness, inst } from '../testing/vm-harness.js';
import {
  VmBoundsError,
  VmDeadlockError,
  VmInstructionError,
  VmProgramError,
  VmStepLimitError,
} from './errors.js';
import { runProgram } from './run-program.js';

/**
 * A two-queue pipeline: queue 1 writes b = a + 1 and signals; queue 0 first waits for it, then
 * writes c = b · 2. Round-robin visits queue 0 first, so only the wait keeps it from reading b early.
 */
function pipeline(withWait: boolean) {
  const h = new Harness();
  const a = h.state('a', [4]);
  const one = h.state('one', [4]);
  const b = h.state('b', [4]);
  const c = h.state('c', [4]);
  const ready = h.b.counter();
  h.b.push(
    0,
    inst(
      'SCALE',
      { a: b, out: c, offset: 0, count: 4, scale: 2 },
      withWait ? { wait0: { counter: ready, target: 1 } } : {},
    ),
  );
  h.b.push(1, inst('ADD', { a, b: one, out: b, offset: 0, count: 4 }, { signal: ready }));
  return { h, a, one, b, c, ready };
}

describe('dependency counters', () => {
  it('a wait holds an instruction until its producer has signalled, in every interleaving', () => {
    for (const opts of [
      {},
      { interleaving: 'random' as const, seed: 1 },
      { interleaving: 'random' as const, seed: 2 },
    ]) {
      const { h, a, one, c } = pipeline(true);
      const run = h.load({ ...opts, strict: true });
      data(run, a).set([1, 2, 3, 4]);
      data(run, one).fill(1);
      run.runStep(0);
      expect(Array.from(data(run, c))).toEqual([4, 6, 8, 10]);
    }
  });

  it('without the wait, round-robin reads the stale value (the ordering comes from counters only)', () => {
    const { h, a, one, c } = pipeline(false);
    const run = h.load();
    data(run, a).set([1, 2, 3, 4]);
    data(run, one).fill(1);
    run.runStep(0);
    expect(Array.from(data(run, c))).toEqual([0, 0, 0, 0]);
  });

  it('counters never reset: targets scale with the step, previous-step waits lag one step', () => {
    const { h, a, one, b, c, ready } = pipeline(true);
    // Queue 2 waits for the previous step's producer: always satisfied by the time steps run in order,
    // and at step 0 its threshold is 0.
    const seen = h.state('seen', [4]);
    h.b.push(
      2,
      inst(
        'COPY',
        { src: b, dst: seen, srcOffset: 0, dstOffset: 0, count: 4 },
        { wait0: { counter: ready, target: 1, previousStep: true } },
      ),
    );
    const run = h.load({ strict: true });
    data(run, one).fill(1);
    for (let step = 0; step < 4; step++) {
      data(run, a).fill(step);
      run.runStep(step);
      expect(run.counters[ready]).toBe(step + 1);
      expect(data(run, c)[0]).toBe(2 * (step + 1));
    }
  });

  it('deadlock: every stuck wait is named with its queue, index, opcode, counter, value and need', () => {
    const h = new Harness();
    const [c0, c1] = [h.b.counter(), h.b.counter()];
    h.b.push(0, inst('NOOP', {}, { signal: c1 }));
    h.b.push(0, inst('BARRIER', {}, { wait0: { counter: c1, target: 2 }, signal: c0 }));
    h.b.push(1, inst('BARRIER', {}, { wait0: { counter: c0, target: 1 }, signal: c1 }));
    const run = h.load();
    let error: unknown;
    try {
      run.runStep(0);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VmDeadlockError);
    const d = error as VmDeadlockError;
    expect(d.stuck).toEqual([
      { queue: 0, index: 1, opcode: 'BARRIER', counter: c1, value: 1, needed: 2 },
      { queue: 1, index: 0, opcode: 'BARRIER', counter: c0, value: 0, needed: 1 },
    ]);
    expect(d.message).toMatch(/queue 0 #1 BARRIER: counter 1 is 1, needs 2/);
  });

  it('a deadlock in a later step is found too: thresholds grow with the step', () => {
    const h = new Harness();
    const c0 = h.b.counter();
    // One signal per step, but the previous-step wait asks for two per step: threshold 0 at step 0,
    // 2 at step 1 (counter 2 by then), 4 at step 2 (counter only 3).
    h.b.push(0, inst('NOOP', {}, { signal: c0 }));
    h.b.push(1, inst('NOOP', {}, { wait0: { counter: c0, target: 2, previousStep: true } }));
    const run = h.load();
    run.runStep(0);
    run.runStep(1);
    expect(() => run.runStep(2)).toThrow(/deadlock in decode step 2[\s\S]*counter 0 is 3, needs 4/);
  });
});

describe('strict mode and program errors', () => {
  function overrun(strict: boolean) {
    const h = new Harness();
    const W = h.weight('W', new Float32Array(4 * 3).fill(1), [4, 3]);
    const x = h.state('x', [3]);
    const y = h.state('y', [4]);
    h.b.push(0, inst('NOOP', {}));
    h.b.push(0, inst('MATVEC', { x, W, y, rowStart: 2, rowCount: 3 }));
    return h.load({ strict });
  }

  it('an access outside a tensor throws VmBoundsError naming queue, index, tensor and range', () => {
    let error: unknown;
    try {
      overrun(true).runStep(0);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VmBoundsError);
    const b = error as VmBoundsError;
    expect(b.site).toMatchObject({ queue: 0, index: 1, opcode: 'MATVEC' });
    expect(b.tensor.name).toBe('W');
    expect(b.range).toEqual([6, 15]);
    expect(b.message).toMatch(/queue 0 #1 MATVEC .*'W' elements \[6, 15\) outside \[0, 12\)/);
  });

  it('without strict mode the same program runs (the GPU would not check either)', () => {
    expect(() => overrun(false).runStep(0)).not.toThrow();
  });

  it('a reserved opcode stops the VM with VmInstructionError', () => {
    const h = new Harness();
    h.b.push(0, makeInstruction(Op.MATMUL, {}));
    expect(() => h.load().runStep(0)).toThrow(VmInstructionError);
  });

  it('a counter id past counterCount is refused when the program loads', () => {
    const h = new Harness();
    h.b.push(0, inst('NOOP', {}, { signal: 3 }));
    expect(() => h.load()).toThrow(/counter 3/);
  });

  it('maxSteps bounds the instructions a run may execute', () => {
    const h = new Harness();
    for (let i = 0; i < 5; i++) h.b.push(i % 2, inst('NOOP', {}));
    const run = h.load({ maxSteps: 7 });
    run.runStep(0);
    expect(() => run.runStep(1)).toThrow(VmStepLimitError);
  });
});

describe('memory', () => {
  it('tensors that overlap in the arena share storage', () => {
    const h = new Harness();
    const whole = h.state('whole', [8]);
    const offset = h.b.build(h.io).tensors[whole]!.byteOffset;
    const tail = h.b.aliasTensor({ name: 'tail', shape: [4] }, offset + 16);
    const src = h.state('src', [4]);
    h.b.push(0, inst('COPY', { src, dst: tail, srcOffset: 0, dstOffset: 0, count: 4 }));
    const run = h.load();
    data(run, src).set([1, 2, 3, 4]);
    run.runStep(0);
    expect(Array.from(data(run, whole))).toEqual([0, 0, 0, 0, 1, 2, 3, 4]);
  });

  it('refuses overlapping tensors of different dtypes', () => {
    const h = new Harness();
    const whole = h.state('whole', [8]);
    const offset = h.b.build(h.io).tensors[whole]!.byteOffset;
    h.b.aliasTensor({ name: 'ints', dtype: 'i32', shape: [2] }, offset);
    expect(() => h.load()).toThrow(VmProgramError);
  });

  it('runProgram refuses an io.logits tensor that does not hold the vocabulary', () => {
    const h = new Harness();
    const program = h.b.build({ ...h.io, logits: h.state('short', [5]) });
    expect(() => runProgram(program, { config: h.config } as never, [1])).toThrow(/io.logits holds 5 values/);
  });
});
