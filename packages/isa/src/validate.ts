/**
 * Program and instruction validation. Every violation is reported (none is fatal to the walk).
 *   strict:  everything the ISA defines: unused fields, reserved bits, flag bits, layer range,
 *            target consistency, tensor overlap and alignment, plus all release checks;
 *   release: only what a VM cannot survive: non-executable opcodes, bad tensor or counter ids,
 *            missing required tensors, wrong dtypes, and any index range outside the tensor it
 *            addresses. A program that passes release validation cannot make a VM touch memory
 *            outside its arenas (given pos < maxSeqLen, which the host enforces).
 */
import { COUNTER_TARGET_LIMIT } from './counters.js';
import { checkFieldValue, decodeInstruction } from './encode.js';
import { FieldRangeError } from './errors.js';
import { checkGeometry } from './geometry.js';
import {
  INSTRUCTION_BYTES,
  INSTRUCTION_FIELDS,
  type Instruction,
  type InstructionField,
  NONE16,
  SYNC_WAIT0_PREVIOUS_STEP,
  SYNC_WAIT1_PREVIOUS_STEP,
  TENSOR_SLOT_FIELDS,
} from './instruction-layout.js';
import { opcodeInfo } from './opcodes.js';
import {
  DTYPE_BYTES,
  type Program,
  SAMPLER_IO_KEYS,
  type TensorDtype,
  type TensorEntry,
} from './program-types.js';
import { tensorByteLength } from './tensor-extent.js';
import { TENSOR_MAX_RANK } from './tensor-table.js';
import { operandView, tokensPerStep } from './token-axis.js';
import { validateModelConfig } from './validate-config.js';

export type ValidationMode = 'strict' | 'release';

export interface Violation {
  /** Queue of the instruction, or -1 for program-level findings (tensor table, header). */
  readonly queue: number;
  /** Instruction index within the queue; for program-level findings, the tensor id or -1. */
  readonly index: number;
  readonly field: string;
  readonly value: unknown;
  /** Stable rule id, e.g. 'tile-out-of-range'. */
  readonly rule: string;
  readonly detail?: string;
}

export interface ValidationContext {
  readonly tensors: readonly TensorEntry[];
  readonly counterCount: number;
  readonly numLayers: number;
  readonly maxSeqLen: number;
  /** Prompt tokens per step (prefill programs); absent = 1. */
  readonly tokensPerStep?: number;
  readonly queue?: number;
  readonly index?: number;
}

const WAITS = [
  ['wait0Counter', 'wait0Target', SYNC_WAIT0_PREVIOUS_STEP],
  ['wait1Counter', 'wait1Target', SYNC_WAIT1_PREVIOUS_STEP],
] as const;

export function validateInstruction(
  inst: Instruction,
  ctx: ValidationContext,
  mode: ValidationMode,
): Violation[] {
  const out: Violation[] = [];
  const strict = mode === 'strict';
  const at = { queue: ctx.queue ?? -1, index: ctx.index ?? -1 };
  const add = (field: string, value: unknown, rule: string, detail?: string): void => {
    out.push(detail === undefined ? { ...at, field, value, rule } : { ...at, field, value, rule, detail });
  };

  for (const f of INSTRUCTION_FIELDS) {
    try {
      checkFieldValue(f, inst[f.name]);
    } catch (e) {
      if (!(e instanceof FieldRangeError)) throw e;
      add(f.name, inst[f.name], f.type === 'f32' ? 'non-finite-float' : 'field-out-of-range', e.message);
    }
  }
  if (out.length) return out;

  const info = opcodeInfo(inst.opcode);
  if (!info) return [{ ...at, field: 'opcode', value: inst.opcode, rule: 'unknown-opcode' }];
  if (info.status !== 'executable') {
    return [{ ...at, field: 'opcode', value: info.name, rule: 'reserved-opcode', detail: info.summary }];
  }

  // Generic fields: counters, sync flags, layer.
  for (const [counter, target, prev] of WAITS) {
    const c = inst[counter];
    if (c !== NONE16) {
      if (c >= ctx.counterCount)
        add(counter, c, 'counter-out-of-range', `counterCount is ${ctx.counterCount}`);
      if (strict && inst[target] === 0)
        add(target, 0, 'zero-target', 'a wait on a counter needs a target > 0');
      if (strict && inst[target] >= COUNTER_TARGET_LIMIT)
        add(target, inst[target], 'target-too-large', 'targets are below 2^31');
    } else if (strict) {
      if (inst[target] !== 0) add(target, inst[target], 'unused-field-nonzero', `no ${counter}`);
      if (inst.syncFlags & prev)
        add('syncFlags', inst.syncFlags, 'reserved-bits', `previous-step bit without ${counter}`);
    }
  }
  if (inst.signalCounter !== NONE16 && inst.signalCounter >= ctx.counterCount) {
    add('signalCounter', inst.signalCounter, 'counter-out-of-range', `counterCount is ${ctx.counterCount}`);
  }
  if (strict) {
    if (inst.syncFlags & ~(SYNC_WAIT0_PREVIOUS_STEP | SYNC_WAIT1_PREVIOUS_STEP)) {
      add('syncFlags', inst.syncFlags, 'reserved-bits');
    }
    if (inst.layer !== NONE16 && inst.layer >= ctx.numLayers) {
      add('layer', inst.layer, 'layer-out-of-range', `numLayers is ${ctx.numLayers}`);
    }
    const defined = info.flags.reduce((m, b) => m | b.mask, 0);
    if (inst.flags & ~defined)
      add('flags', inst.flags, 'undefined-flag-bits', `${info.name} defines 0x${defined.toString(16)}`);
    const named = new Set<InstructionField>([
      ...info.tensors.map((t) => t.slot),
      ...info.args.map((a) => a.field),
      ...info.floats.map((f) => f.field),
    ]);
    for (const f of INSTRUCTION_FIELDS) {
      if (named.has(f.name) || !/^(t|a|b|f)\d$/.test(f.name)) continue;
      const empty = (TENSOR_SLOT_FIELDS as readonly string[]).includes(f.name) ? NONE16 : 0;
      if (!Object.is(inst[f.name], empty))
        add(f.name, inst[f.name], 'unused-field-nonzero', `${info.name} does not use ${f.name}`);
    }
  }

  const tokens = ctx.tokensPerStep ?? 1;
  if (inst.token >= tokens)
    add('token', inst.token, 'token-out-of-range', `a step of this program has ${tokens} token(s)`);

  // Tensor operands: present, in range, of an accepted dtype.
  const tensors = new Map<string, TensorEntry>();
  let idsOk = true;
  for (const t of info.tensors) {
    const id = inst[t.slot];
    if (id === NONE16) {
      if (!t.optional)
        add(t.name, 'none', 'required-tensor-missing', `${info.name} needs ${t.name} (${t.slot})`);
      continue;
    }
    const entry = ctx.tensors[id];
    if (!entry) {
      add(t.name, id, 'tensor-id-out-of-range', `the table has ${ctx.tensors.length} tensors`);
      idsOk = false;
      continue;
    }
    if (!t.dtypes.includes(entry.dtype)) {
      add(t.name, entry.dtype, 'dtype-mismatch', `${t.name} accepts ${t.dtypes.join('/')}`);
    }
    tensors.set(t.name, operandView(entry, info));
  }
  if (idsOk) {
    checkGeometry(inst, info, tensors, ctx.maxSeqLen, (field, value, rule, safety, detail) => {
      if (strict || safety) add(field, value, rule, detail);
    });
  }
  return out;
}

function validateTensorTable(p: Program, mode: ValidationMode, add: (v: Violation) => void): void {
  const strict = mode === 'strict';
  const arenas = { weights: p.weightBytes, state: p.stateBytes };
  const spans: Record<string, [number, number, number][]> = { weights: [], state: [] };
  p.tensors.forEach((t, i) => {
    const v = (field: string, value: unknown, rule: string, detail?: string): void =>
      add(
        detail === undefined
          ? { queue: -1, index: i, field, value, rule }
          : { queue: -1, index: i, field, value, rule, detail },
      );
    if (t.id !== i) v('id', t.id, 'tensor-id-mismatch', `tensor ${i} must have id ${i}`);
    if (t.shape.length > TENSOR_MAX_RANK) v('shape', t.shape, 'bad-rank', `rank above ${TENSOR_MAX_RANK}`);
    const elem = DTYPE_BYTES[t.dtype as TensorDtype];
    if (elem === undefined) {
      v('dtype', t.dtype, 'unknown-dtype');
      return;
    }
    const bytes = tensorByteLength(t);
    const end = t.byteOffset + bytes;
    if (end > arenas[t.region])
      v(
        'byteOffset',
        t.byteOffset,
        'tensor-out-of-arena',
        `ends at ${end} > ${t.region} ${arenas[t.region]}`,
      );
    if (t.byteOffset % elem !== 0)
      v('byteOffset', t.byteOffset, 'tensor-misaligned', `not a multiple of ${elem}`);
    else if (strict && t.byteOffset % 16 !== 0)
      v('byteOffset', t.byteOffset, 'tensor-misaligned', 'not 16-byte aligned');
    if (bytes > 0) spans[t.region]?.push([t.byteOffset, end, i]);
    if (t.tokenAxis && (t.region !== 'state' || t.shape[0] !== tokensPerStep(p)))
      v(
        'tokenAxis',
        t.shape,
        'bad-token-axis',
        `a state tensor [${tokensPerStep(p)}, ...] (tokens per step)`,
      );
  });
  if (!strict) return;
  for (const list of Object.values(spans)) {
    list.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let last: [number, number, number] | undefined;
    for (const s of list) {
      // An exact alias (same bytes, same dtype) is a view of one buffer, e.g. [Hq, d] and [Hq*d].
      const alias =
        last && s[0] === last[0] && s[1] === last[1] && p.tensors[s[2]]!.dtype === p.tensors[last[2]]!.dtype;
      if (last && s[0] < last[1] && !alias) {
        add({
          queue: -1,
          index: s[2],
          field: 'byteOffset',
          value: s[0],
          rule: 'tensor-overlap',
          detail: `overlaps tensor ${last[2]}`,
        });
      }
      if (!last || s[1] > last[1]) last = s;
    }
  }
}

function validateHeader(p: Program, mode: ValidationMode, add: (v: Violation) => void): void {
  const v = (field: string, value: unknown, rule: string, detail?: string): void =>
    add(
      detail === undefined
        ? { queue: -1, index: -1, field, value, rule }
        : { queue: -1, index: -1, field, value, rule, detail },
    );
  const tokens = tokensPerStep(p);
  if (!Number.isInteger(tokens) || tokens < 1 || tokens > 256)
    v('tokensPerStep', tokens, 'bad-tokens-per-step', 'the token field is a u8: 1 to 256 tokens per step');
  if (p.counterCount > NONE16)
    v('counterCount', p.counterCount, 'counter-count-too-large', 'ids are u16 and 0xFFFF means none');
  const io: [keyof Program['io'], TensorDtype][] = [
    ['tokens', 'i32'],
    ['logits', 'f32'],
    ['argmax', 'u32'],
    ...(p.io.candidates === undefined
      ? []
      : SAMPLER_IO_KEYS.map((k) => [k, 'u32'] as [keyof Program['io'], TensorDtype])),
  ];
  for (const [k, dtype] of io) {
    const t = p.tensors[p.io[k]!];
    if (!t) v(`io.${k}`, p.io[k]!, 'io-tensor-out-of-range');
    else if (t.dtype !== dtype) v(`io.${k}`, t.dtype, 'dtype-mismatch', `the host reads ${k} as ${dtype}`);
  }
  if (mode === 'strict') {
    for (const c of validateModelConfig(p.config)) v(`config.${c.field}`, c.value, `config-${c.rule}`);
  }
}

/** Per-step signal counts must equal every wait's target, or never-resetting counters drift. */
function validateCounterTargets(
  p: Program,
  decoded: (Instruction | undefined)[][],
  add: (v: Violation) => void,
): void {
  const signals = new Map<number, number>();
  for (const q of decoded)
    for (const inst of q)
      if (inst && inst.signalCounter !== NONE16) {
        signals.set(inst.signalCounter, (signals.get(inst.signalCounter) ?? 0) + 1);
      }
  decoded.forEach((q, queue) => {
    q.forEach((inst, index) => {
      if (!inst || !opcodeInfo(inst.opcode)) return;
      for (const [counter, target] of WAITS) {
        const c = inst[counter];
        if (c === NONE16 || c >= p.counterCount || inst[target] === 0) continue;
        const per = signals.get(c) ?? 0;
        if (inst[target] !== per) {
          add({
            queue,
            index,
            field: target,
            value: inst[target],
            rule: 'target-mismatch',
            detail: `counter ${c} is signalled ${per} times per step`,
          });
        }
      }
    });
  });
}

export function validateProgram(p: Program, options: { mode: ValidationMode }): Violation[] {
  const out: Violation[] = [];
  const add = (v: Violation): void => {
    out.push(v);
  };
  validateHeader(p, options.mode, add);
  validateTensorTable(p, options.mode, add);
  const ctx = {
    tensors: p.tensors,
    counterCount: p.counterCount,
    numLayers: p.config.numLayers,
    maxSeqLen: p.maxSeqLen,
    tokensPerStep: tokensPerStep(p),
  };
  const decoded: (Instruction | undefined)[][] = p.queues.map((bytes, queue) => {
    if (bytes.byteLength % INSTRUCTION_BYTES !== 0) {
      add({ queue, index: -1, field: 'queue', value: bytes.byteLength, rule: 'bad-queue-length' });
    }
    const insts: (Instruction | undefined)[] = [];
    for (let index = 0; (index + 1) * INSTRUCTION_BYTES <= bytes.byteLength; index++) {
      try {
        const inst = decodeInstruction(bytes, index * INSTRUCTION_BYTES);
        insts.push(inst);
        out.push(...validateInstruction(inst, { ...ctx, queue, index }, options.mode));
      } catch (e) {
        if (!(e instanceof FieldRangeError)) throw e;
        insts.push(undefined);
        add({ queue, index, field: e.field, value: e.value, rule: 'non-finite-float', detail: e.message });
      }
    }
    return insts;
  });
  if (options.mode === 'strict') validateCounterTargets(p, decoded, add);
  return out;
}
