import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeQueue, emptyInstruction, encodeInstruction } from './encode.js';
import { type Instruction, NONE16 } from './instruction-layout.js';
import { Op, opcodeInfo } from './opcodes.js';
import type { Program, TensorEntry } from './program-types.js';
import { tensorElementCount } from './tensor-extent.js';
import { tinyProgram } from './testing/tiny-program.js';
import { type ValidationMode, type Violation, validateInstruction, validateProgram } from './validate.js';

const { program, ids } = tinyProgram();

/** Position of the first instruction with this opcode (and layer) in the tiny program. */
function find(opcode: number, layer?: number): { queue: number; index: number; inst: Instruction } {
  for (let queue = 0; queue < program.queues.length; queue++) {
    const insts = decodeQueue(program.queues[queue]!);
    const index = insts.findIndex((i) => i.opcode === opcode && (layer === undefined || i.layer === layer));
    if (index >= 0) return { queue, index, inst: insts[index]! };
  }
  throw new Error(`no opcode ${opcode}`);
}

function mutate(
  opcode: number,
  fields: Partial<Instruction>,
  layer?: number,
): { p: Program; queue: number; index: number } {
  const { queue, index, inst } = find(opcode, layer);
  const queues = program.queues.map((q) => q.slice());
  encodeInstruction({ ...inst, ...fields }, queues[queue], index * 64);
  return { p: { ...program, queues }, queue, index };
}

const has = (vs: Violation[], v: Partial<Violation>): boolean =>
  vs.some((x) => Object.entries(v).every(([k, val]) => (x as unknown as Record<string, unknown>)[k] === val));

describe('validateProgram on a well-formed program', () => {
  it('finds nothing in strict or release mode', () => {
    expect(validateProgram(program, { mode: 'strict' })).toEqual([]);
    expect(validateProgram(program, { mode: 'release' })).toEqual([]);
  });
});

// [what, opcode, field changes, reported field, rule, also reported in release mode]
const INSTRUCTION_CASES: [string, number, Partial<Instruction>, string, string, boolean][] = [
  ['unknown opcode', Op.NOOP, { opcode: 0x03 }, 'opcode', 'unknown-opcode', true],
  ['reserved opcode', Op.NOOP, { opcode: Op.BATCH_MATMUL }, 'opcode', 'reserved-opcode', true],
  ['rows past N', Op.FUSED_MATMUL_RESIDUAL, { a0: 6, a1: 4 }, 'rowCount', 'tile-out-of-range', true],
  ['empty tile', Op.FUSED_MATMUL_RESIDUAL, { a1: 0 }, 'rowCount', 'empty-tile', false],
  ['columns past K', Op.FUSED_MATMUL_RESIDUAL, { a2: 4, a3: 8 }, 'kCount', 'tile-out-of-range', true],
  ['kStart past K', Op.FUSED_MATMUL_RESIDUAL, { a2: 9 }, 'kStart', 'tile-out-of-range', true],
  ['missing weight', Op.FUSED_MATMUL_RESIDUAL, { t1: NONE16 }, 'W', 'required-tensor-missing', true],
  ['tensor id past the table', Op.FUSED_MATMUL_RESIDUAL, { t0: 999 }, 'x', 'tensor-id-out-of-range', true],
  [
    'wait counter past counterCount',
    Op.FUSED_MATMUL_RESIDUAL,
    { wait0Counter: 12 },
    'wait0Counter',
    'counter-out-of-range',
    true,
  ],
  [
    'signal counter past counterCount',
    Op.FUSED_MATMUL_RESIDUAL,
    { signalCounter: 500 },
    'signalCounter',
    'counter-out-of-range',
    true,
  ],
  ['zero target', Op.FUSED_MATMUL_RESIDUAL, { wait0Target: 0 }, 'wait0Target', 'zero-target', false],
  [
    'target at 2^31',
    Op.FUSED_MATMUL_RESIDUAL,
    { wait0Target: 0x80000000 },
    'wait0Target',
    'target-too-large',
    false,
  ],
  [
    'target without counter',
    Op.FUSED_MATMUL_RESIDUAL,
    { wait1Target: 3 },
    'wait1Target',
    'unused-field-nonzero',
    false,
  ],
  // A decode program has one token per step: token 1 names a row no tensor has.
  ['token past the step', Op.FUSED_MATMUL_RESIDUAL, { token: 1 }, 'token', 'token-out-of-range', true],
  ['reserved sync bit', Op.FUSED_MATMUL_RESIDUAL, { syncFlags: 0x04 }, 'syncFlags', 'reserved-bits', false],
  [
    'previous-step bit without a wait',
    Op.FUSED_MATMUL_RESIDUAL,
    { syncFlags: 0x02 },
    'syncFlags',
    'reserved-bits',
    false,
  ],
  ['undefined flag bit', Op.FUSED_MATMUL_RESIDUAL, { flags: 0x80 }, 'flags', 'undefined-flag-bits', false],
  ['unused argument', Op.FUSED_NORM_QKV_ROPE, { a2: 5 }, 'a2', 'unused-field-nonzero', false],
  ['unused tensor slot', Op.FUSED_NORM_QKV_ROPE, { t7: 3 }, 't7', 'unused-field-nonzero', false],
  ['unused float', Op.FUSED_NORM_QKV_ROPE, { f1: 0.5 }, 'f1', 'unused-field-nonzero', false],
  ['layer past numLayers', Op.FUSED_NORM_QKV_ROPE, { layer: 2 }, 'layer', 'layer-out-of-range', false],
  ['odd RoPE tile', Op.FUSED_NORM_QKV_ROPE, { a0: 1 }, 'rowStart', 'odd-rope-tile', false],
  ['QKV rows past W', Op.FUSED_NORM_QKV_ROPE, { a0: 10 }, 'rowCount', 'tile-out-of-range', true],
  ['missing gamma', Op.FUSED_NORM_QKV_ROPE, { t1: NONE16 }, 'normParams', 'required-tensor-missing', true],
  [
    'gamma with noWeight',
    Op.FUSED_NORM_QKV_ROPE,
    { flags: 0x02 },
    'normParams',
    'flag-operand-mismatch',
    false,
  ],
  ['KV head past Hkv', Op.ATTENTION_PARTIAL, { a0: 1 }, 'kvHead', 'kv-head-out-of-range', true],
  ['chunk past chunks', Op.ATTENTION_PARTIAL, { a1: 1 }, 'chunk', 'chunk-out-of-range', true],
  ['zero chunks', Op.ATTENTION_PARTIAL, { a2: 0 }, 'chunks', 'arg-out-of-range', true],
  ['direct with chunks', Op.ATTENTION_PARTIAL, { a2: 2 }, 'chunks', 'flag-operand-mismatch', false],
  ['partial without LSE', Op.ATTENTION_PARTIAL, { flags: 0 }, 'lse', 'required-tensor-missing', true],
  ['integer tensor as queries', Op.ATTENTION_PARTIAL, { t0: ids.tokens! }, 'q', 'dtype-mismatch', true],
  [
    'gate without gated (the GPU streams a present Wgate)',
    Op.FUSED_NORM_GATE_UP_ACT,
    { flags: 0 },
    'Wgate',
    'flag-operand-mismatch',
    true,
  ],
  ['argmax without embedFromArgmax', Op.EMBED_GATHER, { flags: 0 }, 'argmax', 'flag-operand-mismatch', false],
  [
    'embedFromArgmax without argmax',
    Op.EMBED_GATHER,
    { t4: NONE16 },
    'argmax',
    'required-tensor-missing',
    true,
  ],
  ['LM head rows past V', Op.FUSED_NORM_LM_HEAD_ARGMAX, { a0: 20 }, 'rowCount', 'tile-out-of-range', true],
  [
    'LM head sampling words without candidates',
    Op.FUSED_NORM_LM_HEAD_ARGMAX,
    { t7: ids.argmax! },
    'sampling',
    'unused-operand',
    false,
  ],
];

describe('validateProgram reports each instruction rule', () => {
  for (const [what, opcode, fields, field, rule, release] of INSTRUCTION_CASES) {
    it(`${what}: ${rule}${release ? '' : ' (strict only)'}`, () => {
      const { p, queue, index } = mutate(opcode, fields);
      expect(has(validateProgram(p, { mode: 'strict' }), { queue, index, field, rule })).toBe(true);
      expect(has(validateProgram(p, { mode: 'release' }), { queue, index, field, rule })).toBe(release);
    });
  }

  it('a wait target that differs from the per-step signal count (strict)', () => {
    const { p, queue, index } = mutate(Op.FUSED_MATMUL_RESIDUAL, { wait0Target: 3 });
    expect(has(validateProgram(p, { mode: 'strict' }), { queue, index, rule: 'target-mismatch' })).toBe(true);
    expect(validateProgram(p, { mode: 'release' })).toEqual([]);
  });

  it('non-finite float bits and a ragged queue', () => {
    const queues = program.queues.map((q) => q.slice());
    new DataView(queues[0]!.buffer).setUint32(56, 0x7fc00000, true);
    const bad = { ...program, queues: [...queues, new Uint8Array(65)] };
    const vs = validateProgram(bad, { mode: 'release' });
    expect(has(vs, { queue: 0, index: 0, field: 'f0', rule: 'non-finite-float' })).toBe(true);
    expect(has(vs, { queue: 2, rule: 'bad-queue-length' })).toBe(true);
  });
});

describe('validateProgram reports tensor-table and header rules', () => {
  const withTensor = (id: number, over: Partial<TensorEntry>): Program => ({
    ...program,
    tensors: program.tensors.map((t) => (t.id === id ? { ...t, ...over } : t)),
  });
  const cases: [string, Program, Partial<Violation>, boolean][] = [
    ['overlap', withTensor(1, { byteOffset: 0 }), { rule: 'tensor-overlap' }, false],
    [
      'past the arena',
      { ...program, weightBytes: program.weightBytes - 16 },
      { rule: 'tensor-out-of-arena' },
      true,
    ],
    [
      'misaligned element',
      withTensor(ids.hidden!, { byteOffset: 2 }),
      { index: ids.hidden!, rule: 'tensor-misaligned' },
      true,
    ],
    ['id not its position', withTensor(3, { id: 4 }), { index: 3, rule: 'tensor-id-mismatch' }, true],
    [
      'KV cache shorter than maxSeqLen',
      withTensor(ids.kv0!, { shape: [2, 4, 1, 4] }),
      { field: 'kv', rule: 'seq-capacity' },
      true,
    ],
    [
      'io tensor of the wrong dtype',
      { ...program, io: { ...program.io, tokens: ids.hidden! } },
      { field: 'io.tokens', rule: 'dtype-mismatch' },
      true,
    ],
    [
      'io id past the table',
      { ...program, io: { ...program.io, logits: 999 } },
      { field: 'io.logits', rule: 'io-tensor-out-of-range' },
      true,
    ],
    [
      'config heads',
      { ...program, config: { ...program.config, numKvHeads: 3 } },
      { rule: 'config-divides-num-heads' },
      false,
    ],
  ];
  for (const [what, p, v, release] of cases) {
    it(`${what}: ${v.rule}${release ? '' : ' (strict only)'}`, () => {
      expect(has(validateProgram(p, { mode: 'strict' }), v)).toBe(true);
      expect(has(validateProgram(p, { mode: 'release' }), v)).toBe(release);
    });
  }

  it('allows an exact alias of the same dtype (a view), not a partial or retyped one', () => {
    const hidden = program.tensors[ids.hidden!]!;
    const view = (over: Partial<TensorEntry>): Program => ({
      ...program,
      tensors: [...program.tensors, { ...hidden, id: program.tensors.length, name: 'view', ...over }],
    });
    const overlaps = (p: Program) =>
      validateProgram(p, { mode: 'strict' }).filter((v) => v.rule === 'tensor-overlap');
    expect(overlaps(view({ shape: [2, 4] }))).toEqual([]);
    expect(overlaps(view({ shape: [4] }))).toHaveLength(1);
    expect(overlaps(view({ dtype: 'u32' }))).toHaveLength(1);
  });

  it('only strict asks for 16-byte alignment', () => {
    const p = withTensor(ids.hidden!, {
      byteOffset: program.tensors[ids.hidden!]!.byteOffset + 4,
      shape: [7],
    });
    expect(
      has(validateProgram(p, { mode: 'strict' }), { index: ids.hidden!, rule: 'tensor-misaligned' }),
    ).toBe(true);
    expect(
      has(validateProgram(p, { mode: 'release' }), { index: ids.hidden!, rule: 'tensor-misaligned' }),
    ).toBe(false);
  });
});

// An independent model of what each op touches, for the safety property below.
const TABLE: TensorEntry[] = [
  [8],
  [4],
  [8, 4],
  [4, 8],
  [2, 4],
  [2, 8, 1, 4],
  [2, 8, 2, 4],
  [3, 2],
  [3, 2, 4],
  [16],
  [2, 4, 1, 4],
].map((shape, id) => ({ id, name: `t${id}`, dtype: 'f32', shape, region: 'state', byteOffset: 0 }));
const MAX_SEQ = 8;

function inBounds(inst: Instruction): boolean {
  const el = (slot: number): number => (slot === NONE16 ? 0 : tensorElementCount(TABLE[slot]!));
  const shape = (slot: number): readonly number[] => TABLE[slot]!.shape;
  const within = (slot: number, start: number, count: number): boolean =>
    count === 0 || start + count <= el(slot);
  switch (inst.opcode) {
    case Op.MATVEC: {
      const [N, K] = shape(inst.t1) as [number, number];
      const kEnd = inst.a3 === 0 ? K : inst.a2 + inst.a3;
      if (inst.a1 === 0 || kEnd <= inst.a2) return true;
      return (
        inst.a0 + inst.a1 <= N &&
        kEnd <= K &&
        kEnd <= el(inst.t0) &&
        within(inst.t2, inst.a0, inst.a1) &&
        (inst.t3 === NONE16 || within(inst.t3, inst.a0, inst.a1))
      );
    }
    case Op.COPY:
      return within(inst.t0, inst.a0, inst.a2) && within(inst.t1, inst.a1, inst.a2);
    case Op.ADD:
      return (
        within(inst.t0, inst.a0, inst.a1) &&
        within(inst.t1, inst.a0, inst.a1) &&
        within(inst.t2, inst.a0, inst.a1)
      );
    case Op.ATTENTION_PARTIAL: {
      const [Hq, d] = shape(inst.t0) as [number, number];
      const kv = shape(inst.t1);
      const g = Hq / kv[2]!;
      const qOk = (inst.a0 + 1) * g * d <= el(inst.t0);
      const kvOk =
        ((1 * kv[1]! + (MAX_SEQ - 1)) * kv[2]! + inst.a0) * kv[3]! + d <= el(inst.t1) && kv[1]! >= MAX_SEQ;
      const direct = (inst.flags & 1) !== 0;
      const outOk = direct
        ? Hq * d <= el(inst.t2)
        : (inst.a1 + 1) * Hq * d <= el(inst.t2) && (inst.a1 + 1) * Hq <= el(inst.t3);
      return qOk && kvOk && outOk && inst.a1 < inst.a2;
    }
  }
  return false;
}

describe('release validation is a memory-safety guarantee', () => {
  it('an instruction that passes release validation only touches elements inside its tensors (property)', () => {
    const accepted: Record<number, number> = {};
    const slot = fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: 0, max: TABLE.length - 1 }) },
      fc.constant(NONE16),
      fc.constant(40),
    );
    const small = fc.integer({ min: 0, max: 9 });
    const generic = fc.record({
      opcode: fc.constantFrom(Op.MATVEC, Op.COPY, Op.ADD),
      flags: fc.integer({ min: 0, max: 1 }),
      t0: slot,
      t1: slot,
      t2: slot,
      t3: slot,
      a0: small,
      a1: small,
      a2: small,
      a3: small,
    });
    // Attention needs matching shapes to be accepted at all: draw its operands from likely tensors.
    const pick = (...xs: number[]) => fc.constantFrom(...xs);
    const attention = fc.record({
      opcode: fc.constant(Op.ATTENTION_PARTIAL),
      flags: fc.integer({ min: 0, max: 1 }),
      t0: pick(4, 2, 3, 40),
      t1: pick(5, 6, 10, 2),
      t2: pick(4, 8, 0, 1),
      t3: pick(7, NONE16, 1, 9),
      a0: fc.integer({ min: 0, max: 2 }),
      a1: fc.integer({ min: 0, max: 3 }),
      a2: fc.integer({ min: 0, max: 3 }),
      a3: small,
    });
    const arb = fc.oneof(generic, attention);
    const ctx = { tensors: TABLE, counterCount: 4, numLayers: 2, maxSeqLen: MAX_SEQ };
    fc.assert(
      fc.property(arb, (fields) => {
        const info = opcodeInfo(fields.opcode)!;
        const inst: Instruction = { ...emptyInstruction(fields.opcode), ...fields };
        // Slots the opcode does not use stay empty, as the encoder's users would leave them.
        for (const s of ['t0', 't1', 't2', 't3'] as const)
          if (!info.tensors.some((t) => t.slot === s)) inst[s] = NONE16;
        if (validateInstruction(inst, ctx, 'release' as ValidationMode).length > 0) return true;
        accepted[fields.opcode] = (accepted[fields.opcode] ?? 0) + 1;
        return inBounds(inst);
      }),
      { numRuns: 40000 },
    );
    // The property is only meaningful if every opcode was accepted now and then.
    for (const op of [Op.MATVEC, Op.COPY, Op.ADD, Op.ATTENTION_PARTIAL])
      expect(accepted[op] ?? 0, `opcode ${op}`).toBeGreaterThan(5);
  });
});
