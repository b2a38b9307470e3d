import { describe, expect, it } from 'vitest';
import { INSTRUCTION_FIELDS } from './instruction-layout.js';
import { isExecutableOpcode, OPCODES, Op, opcodeByName, opcodeInfo } from './opcodes.js';

// The seed ISA's opcode values (prior-art A.2), typed in independently of opcodes.ts.
const SEED_OPCODES: Record<string, number> = {
  NOOP: 0x00,
  BARRIER: 0x01,
  SYNC: 0x02,
  LOAD_ACTIVATION: 0x10,
  STORE_ACTIVATION: 0x11,
  LOAD_WEIGHT_TILE: 0x12,
  CACHE_READ: 0x13,
  CACHE_APPEND: 0x14,
  COPY: 0x15,
  ZERO: 0x16,
  MATMUL: 0x30,
  MATVEC: 0x31,
  OUTER_PRODUCT: 0x32,
  BATCH_MATMUL: 0x33,
  RMS_NORM: 0x50,
  LAYER_NORM: 0x51,
  GROUP_NORM: 0x52,
  ATTENTION_PARTIAL: 0x70,
  ATTENTION_REDUCE: 0x71,
  ROPE_EMBED: 0x72,
  ALIBI_EMBED: 0x73,
  SLIDING_WINDOW_MASK: 0x74,
  SILU: 0x90,
  GELU: 0x91,
  RELU: 0x92,
  SWIGLU: 0x93,
  GEGLU: 0x94,
  ADD: 0xa0,
  MUL: 0xa1,
  RESIDUAL_ADD: 0xa2,
  SCALE: 0xa3,
  ELEMWISE_MUL_ADD: 0xa4,
  FUSED_NORM_MATMUL: 0xb0,
  FUSED_ROPE_APPEND: 0xb1,
  FUSED_GATE_ACT: 0xb2,
  FUSED_QKV_PROJ: 0xb3,
  FUSED_MATMUL_RESIDUAL: 0xb4,
  FUSED_NORM_QKV_ROPE: 0xb5,
  MLA_COMPRESS: 0xd0,
  MLA_DECOMPRESS: 0xd1,
  ROTARY_PARTIAL: 0xd2,
  CROSS_ATTENTION: 0xd3,
  CUSTOM_0: 0xf0,
  CUSTOM_1: 0xf1,
};

const CATEGORY_RANGES: Record<string, [number, number]> = {
  control: [0x00, 0x0f],
  memory: [0x10, 0x2f],
  linear: [0x30, 0x4f],
  norm: [0x50, 0x6f],
  attention: [0x70, 0x8f],
  activation: [0x90, 0x9f],
  elementwise: [0xa0, 0xaf],
  fused: [0xb0, 0xcf],
  'model-specific': [0xd0, 0xef],
  custom: [0xf0, 0xff],
};

// Keys the text form uses for generic fields; an operand with one of these names would be ambiguous.
const TEXT_KEYS = ['wait0', 'wait1', 'signal', 'flags', 'activation', 'syncFlags'];

describe('opcode table', () => {
  it('keeps every seed opcode at its seed value (44 of them)', () => {
    expect(Object.keys(SEED_OPCODES)).toHaveLength(44);
    for (const [name, value] of Object.entries(SEED_OPCODES))
      expect(opcodeByName(name)?.value, name).toBe(value);
  });

  it('has unique names and values, in value order, each inside its category range', () => {
    expect(new Set(OPCODES.map((o) => o.name)).size).toBe(OPCODES.length);
    expect(new Set(OPCODES.map((o) => o.value)).size).toBe(OPCODES.length);
    for (let i = 1; i < OPCODES.length; i++) expect(OPCODES[i]!.value).toBeGreaterThan(OPCODES[i - 1]!.value);
    for (const o of OPCODES) {
      const [lo, hi] = CATEGORY_RANGES[o.category]!;
      expect(o.value >= lo && o.value <= hi, `${o.name} in ${o.category}`).toBe(true);
    }
  });

  it('gives reserved opcodes a reason and no operands, and executable ones a summary', () => {
    for (const o of OPCODES) {
      expect(o.summary.length, o.name).toBeGreaterThan(10);
      if (o.status === 'reserved') expect([o.tensors, o.args, o.floats, o.flags].flat(), o.name).toEqual([]);
    }
  });

  it('schemas use each field once and name operands unambiguously', () => {
    const raw = new Set(INSTRUCTION_FIELDS.map((f) => f.name as string));
    for (const o of OPCODES) {
      const fields = [
        ...o.tensors.map((t) => t.slot),
        ...o.args.map((a) => a.field),
        ...o.floats.map((f) => f.field),
      ];
      expect(new Set(fields).size, o.name).toBe(fields.length);
      const names = [...o.tensors, ...o.args, ...o.floats].map((x) => x.name);
      expect(new Set(names).size, o.name).toBe(names.length);
      for (const n of names) {
        expect(raw.has(n), `${o.name}.${n} shadows a raw field`).toBe(false);
        expect(TEXT_KEYS.includes(n), `${o.name}.${n} is a text keyword`).toBe(false);
      }
      const masks = o.flags.map((b) => b.mask);
      for (let i = 0; i < masks.length; i++) {
        for (let j = i + 1; j < masks.length; j++)
          expect(masks[i]! & masks[j]!, `${o.name} flags overlap`).toBe(0);
      }
      for (const t of o.tensors) expect(t.dtypes.length, `${o.name}.${t.name}`).toBeGreaterThan(0);
    }
  });

  it('looks opcodes up both ways and treats unlisted values as non-executable', () => {
    expect(opcodeInfo(0x31)?.name).toBe('MATVEC');
    expect(opcodeByName('FUSED_MATMUL_RESIDUAL')?.value).toBe(0xb4);
    expect(opcodeInfo(0x03)).toBeUndefined();
    expect(isExecutableOpcode(0x31)).toBe(true);
    expect(isExecutableOpcode(0x33)).toBe(false); // reserved BATCH_MATMUL
    expect(isExecutableOpcode(0xff)).toBe(false); // unlisted
  });

  it('types Op by the table: known names compile, unknown ones do not', () => {
    expect(Op.MATVEC).toBe(0x31);
    expect(Op.FUSED_NORM_LM_HEAD_ARGMAX).toBe(0xb7);
    // @ts-expect-error: not an opcode name
    expect(Op.NOT_AN_OPCODE).toBeUndefined();
    expect(Object.isFrozen(Op)).toBe(true);
  });
});
