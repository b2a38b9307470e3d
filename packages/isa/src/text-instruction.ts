/**
 * One instruction as one line of text, with operands named by the opcode's schema:
 *   q3[12] L5 FUSED_MATMUL_RESIDUAL wait0=c17>=4 signal=c18 x=t40 W=t41 out=t2 rowStart=256 rowCount=16 kStart=0 kCount=0 scale=1 flags=splitK
 * `L-` is "no layer", `:prev` after a wait marks a previous-step wait, `OP_0xNN` an opcode outside the
 * table. Fields the schema does not name are printed by their raw field name whenever they differ
 * from the neutral value, so any decodable instruction prints and parses back to the same fields.
 */
import { checkFieldValue, emptyInstruction } from './encode.js';
import { AsmSyntaxError, FieldRangeError } from './errors.js';
import { formatF32, parseF32 } from './f32-text.js';
import {
  INSTRUCTION_FIELDS,
  type Instruction,
  type InstructionField,
  NONE16,
  SYNC_WAIT0_PREVIOUS_STEP,
  SYNC_WAIT1_PREVIOUS_STEP,
  TENSOR_SLOT_FIELDS,
} from './instruction-layout.js';
import {
  ACTIVATION_CODES,
  ACTIVATION_SHIFT,
  FLAG_ACTIVATION_MASK,
  type OpcodeInfo,
  opcodeByName,
  opcodeInfo,
} from './opcodes.js';
import { parseUint, splitKeyValue } from './text-tokens.js';

export interface InstructionLocation {
  readonly queue: number;
  readonly index: number;
}

const WAITS = [
  { key: 'wait0', counter: 'wait0Counter', target: 'wait0Target', prev: SYNC_WAIT0_PREVIOUS_STEP },
  { key: 'wait1', counter: 'wait1Counter', target: 'wait1Target', prev: SYNC_WAIT1_PREVIOUS_STEP },
] as const;
const ACTIVATION_NAMES = Object.keys(ACTIVATION_CODES) as (keyof typeof ACTIVATION_CODES)[];
const FIELD_TYPES = new Map(INSTRUCTION_FIELDS.map((f) => [f.name, f]));

const hex2 = (v: number): string => `0x${v.toString(16).padStart(2, '0')}`;
const neutral = (field: InstructionField): number =>
  (TENSOR_SLOT_FIELDS as readonly string[]).includes(field) ||
  field === 'layer' ||
  field === 'signalCounter' ||
  field === 'wait0Counter' ||
  field === 'wait1Counter'
    ? NONE16
    : 0;
const hasActivation = (info: OpcodeInfo | undefined): boolean =>
  info?.flags.some((b) => b.mask === FLAG_ACTIVATION_MASK) ?? false;

/** Fields an opcode's schema owns (printed under operand names, never raw). */
function schemaFields(info: OpcodeInfo | undefined): Set<InstructionField> {
  const owned = new Set<InstructionField>();
  if (!info) return owned;
  for (const t of info.tensors) owned.add(t.slot);
  for (const a of info.args) owned.add(a.field);
  for (const f of info.floats) owned.add(f.field);
  return owned;
}

export function printInstruction(inst: Instruction, where?: InstructionLocation): string {
  const info = opcodeInfo(inst.opcode);
  const out: string[] = [];
  if (where) out.push(`q${where.queue}[${where.index}]`);
  out.push(inst.layer === NONE16 ? 'L-' : `L${inst.layer}`);
  out.push(info ? info.name : `OP_${hex2(inst.opcode)}`);
  const covered = new Set<InstructionField>(['opcode', 'layer', 'flags', 'syncFlags']);
  let syncLeft = inst.syncFlags;
  for (const w of WAITS) {
    if (inst[w.counter] === NONE16) continue;
    const prev = (inst.syncFlags & w.prev) !== 0;
    if (prev) syncLeft &= ~w.prev;
    out.push(`${w.key}=c${inst[w.counter]}>=${inst[w.target]}${prev ? ':prev' : ''}`);
    covered.add(w.counter).add(w.target);
  }
  if (inst.signalCounter !== NONE16) out.push(`signal=c${inst.signalCounter}`);
  covered.add('signalCounter');
  if (info) {
    for (const t of info.tensors) if (inst[t.slot] !== NONE16) out.push(`${t.name}=t${inst[t.slot]}`);
    for (const a of info.args) out.push(`${a.name}=${inst[a.field]}`);
    for (const f of info.floats) out.push(`${f.name}=${formatF32(inst[f.field])}`);
  }
  for (const field of schemaFields(info)) covered.add(field);
  let flagsLeft = inst.flags;
  const names: string[] = [];
  for (const b of info?.flags ?? []) {
    if (b.mask === FLAG_ACTIVATION_MASK) continue;
    if ((flagsLeft & b.mask) === b.mask) {
      names.push(b.name);
      flagsLeft &= ~b.mask;
    }
  }
  if (hasActivation(info)) {
    out.push(`activation=${ACTIVATION_NAMES[(flagsLeft & FLAG_ACTIVATION_MASK) >> ACTIVATION_SHIFT]}`);
    flagsLeft &= ~FLAG_ACTIVATION_MASK;
  }
  if (flagsLeft) names.push(hex2(flagsLeft));
  if (names.length) out.push(`flags=${names.join('|')}`);
  if (syncLeft) out.push(`syncFlags=${syncLeft}`);
  for (const f of INSTRUCTION_FIELDS) {
    if (covered.has(f.name) || Object.is(inst[f.name], neutral(f.name))) continue;
    out.push(`${f.name}=${f.type === 'f32' ? formatF32(inst[f.name]) : inst[f.name]}`);
  }
  return out.join(' ');
}

export interface ParsedInstructionLine {
  readonly where?: InstructionLocation;
  readonly instruction: Instruction;
}

/** Parses the tokens of one instruction line (see printInstruction). Throws AsmSyntaxError. */
export function parseInstructionTokens(tokens: readonly string[], lineNo: number): ParsedInstructionLine {
  const fail = (detail: string): never => {
    throw new AsmSyntaxError(lineNo, detail);
  };
  let i = 0;
  let where: InstructionLocation | undefined;
  const loc = /^q(\d+)\[(\d+)\]$/.exec(tokens[i] ?? '');
  if (loc) {
    where = { queue: Number(loc[1]), index: Number(loc[2]) };
    i++;
  }
  let layer = NONE16;
  const lay = /^L(\d+|-)$/.exec(tokens[i] ?? '');
  if (lay) {
    layer = lay[1] === '-' ? NONE16 : Number(lay[1]);
    if (layer > NONE16) fail(`layer ${lay[1]} does not fit u16`);
    i++;
  }
  const opTok = tokens[i++] ?? fail('missing opcode');
  const rawOp = /^OP_0x([0-9a-fA-F]{2})$/.exec(opTok);
  const info = rawOp ? opcodeInfo(Number.parseInt(rawOp[1]!, 16)) : opcodeByName(opTok);
  if (!info && !rawOp) fail(`unknown opcode '${opTok}'`);
  const inst = emptyInstruction(rawOp ? Number.parseInt(rawOp[1]!, 16) : info!.value);
  inst.layer = layer;
  const owned = schemaFields(info);
  const seen = new Set<string>();
  const set = (field: InstructionField, value: number | undefined, text: string): void => {
    if (value === undefined) fail(`${field}: cannot read '${text}'`);
    try {
      inst[field] = checkFieldValue(FIELD_TYPES.get(field)!, value);
    } catch (e) {
      if (e instanceof FieldRangeError) fail(e.message);
      throw e;
    }
  };
  for (; i < tokens.length; i++) {
    const [key, value] = splitKeyValue(tokens[i]!, lineNo);
    if (seen.has(key)) fail(`'${key}' given twice`);
    seen.add(key);
    const wait = WAITS.find((w) => w.key === key);
    if (wait) {
      const m =
        /^c(\d+)>=(\w+)(:prev)?$/.exec(value) ??
        fail(`${key}: expected c<id>>=<target>[:prev], got '${value}'`);
      if (seen.has(wait.target) || seen.has(wait.counter)) fail(`${key} and a raw ${key} field both given`);
      seen.add(wait.target).add(wait.counter);
      set(wait.counter, Number(m[1]), value);
      set(wait.target, parseUint(m[2]!), value);
      if (m[3]) inst.syncFlags |= wait.prev;
      continue;
    }
    if (key === 'signal') {
      const m = /^c(\d+)$/.exec(value) ?? fail(`signal: expected c<id>, got '${value}'`);
      if (seen.has('signalCounter')) fail('signal and signalCounter both given');
      seen.add('signalCounter');
      set('signalCounter', Number(m[1]), value);
      continue;
    }
    if (key === 'flags') {
      for (const name of value.split('|')) {
        const bit = info?.flags.find((b) => b.name === name && b.mask !== FLAG_ACTIVATION_MASK);
        const raw = /^0x[0-9a-fA-F]{1,2}$/.test(name) ? Number.parseInt(name.slice(2), 16) : undefined;
        if (bit) inst.flags |= bit.mask;
        else if (raw !== undefined) inst.flags |= raw;
        else fail(`flags: '${name}' is not a flag of ${opTok}`);
      }
      continue;
    }
    if (key === 'activation' && hasActivation(info)) {
      const code = ACTIVATION_CODES[value as keyof typeof ACTIVATION_CODES];
      if (code === undefined) fail(`activation: unknown '${value}'`);
      inst.flags |= code << ACTIVATION_SHIFT;
      continue;
    }
    if (key === 'syncFlags') {
      const v = parseUint(value);
      if (v === undefined || v > 0xff) fail(`syncFlags: cannot read '${value}'`);
      inst.syncFlags |= v!;
      continue;
    }
    const tensor = info?.tensors.find((t) => t.name === key);
    if (tensor) {
      const m = /^t(\d+)$/.exec(value) ?? fail(`${key}: expected t<id>, got '${value}'`);
      set(tensor.slot, Number(m[1]), value);
      continue;
    }
    const arg = info?.args.find((a) => a.name === key);
    if (arg) {
      set(arg.field, parseUint(value), value);
      continue;
    }
    const flt = info?.floats.find((f) => f.name === key);
    if (flt) {
      set(flt.field, parseF32(value), value);
      continue;
    }
    const raw = FIELD_TYPES.get(key as InstructionField);
    if (!raw || raw.name === 'opcode' || raw.name === 'layer' || raw.name === 'flags') {
      fail(`'${key}' is neither an operand of ${opTok} nor a raw field`);
    }
    if (owned.has(raw!.name)) fail(`'${key}' is an operand of ${opTok}; use its name`);
    if ((key === 'wait0Target' && seen.has('wait0')) || (key === 'wait1Target' && seen.has('wait1'))) {
      fail(`'${key}' conflicts with the wait given before it`);
    }
    set(raw!.name, raw!.type === 'f32' ? parseF32(value) : parseUint(value), value);
  }
  return where ? { where, instruction: inst } : { instruction: inst };
}
