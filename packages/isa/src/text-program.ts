/**
 * A whole program as text: directives for the header, then one line per instruction.
 *
 *   .format 1
 *   .maxSeqLen 2048
 *   .arenas weights=<bytes> state=<bytes>
 *   .counters <count>
 *   .io tokens=t0 logits=t5 argmax=t6
 *   .config {canonical JSON}
 *   .meta {canonical JSON}
 *   .tensor t3 bf16[2048,2048] weights@4096 name="..." layer=0 source={...} init={...}
 *   .queues 132
 *   q0[0] L0 FUSED_NORM_QKV_ROPE ...
 *   q0[1] RAW bytes=<128 hex digits>      (an instruction whose floats are NaN/inf: kept bit-exact)
 *
 * parseProgram(printProgram(p)) re-encodes to exactly writeProgram(p).
 */
import { canonicalJson } from './canonical-json.js';
import { decodeInstruction, encodeInstruction } from './encode.js';
import { AsmSyntaxError, FieldRangeError } from './errors.js';
import { INSTRUCTION_BYTES, type Instruction } from './instruction-layout.js';
import type { RuntimeModelConfig } from './model-config.js';
import { checkProgramHeader } from './program-header.js';
import { type Program, SAMPLER_IO_KEYS, type TensorEntry } from './program-types.js';
import { type InstructionLocation, parseInstructionTokens, printInstruction } from './text-instruction.js';
import { splitKeyValue, splitTokens } from './text-tokens.js';

export interface PrintProgramOptions {
  /** Print only the instructions it accepts (the output then no longer round-trips). */
  readonly filter?: (inst: Instruction, where: InstructionLocation) => boolean;
  /** Leave out the header directives. */
  readonly instructionsOnly?: boolean;
}

const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function printTensor(t: TensorEntry): string {
  const parts = [`.tensor t${t.id}`, `${t.dtype}[${t.shape.join(',')}]`, `${t.region}@${t.byteOffset}`];
  parts.push(`name=${JSON.stringify(t.name)}`);
  if (t.layer !== undefined) parts.push(`layer=${t.layer}`);
  if (t.source !== undefined) parts.push(`source=${canonicalJson(t.source)}`);
  if (t.init !== undefined) parts.push(`init=${canonicalJson(t.init)}`);
  if (t.tokenAxis) parts.push('tokenAxis=true');
  return parts.join(' ');
}

export function printProgram(p: Program, options: PrintProgramOptions = {}): string {
  const lines: string[] = [];
  if (!options.instructionsOnly) {
    lines.push('# megakernel program, text form (parseProgram reads it back to the same bytes)');
    lines.push(`.format ${p.formatVersion}`);
    lines.push(`.maxSeqLen ${p.maxSeqLen}`);
    lines.push(`.arenas weights=${p.weightBytes} state=${p.stateBytes}`);
    lines.push(`.counters ${p.counterCount}`);
    if (p.tokensPerStep !== undefined) lines.push(`.tokensPerStep ${p.tokensPerStep}`);
    const sampler = SAMPLER_IO_KEYS.map((k) => (p.io[k] === undefined ? '' : ` ${k}=t${p.io[k]}`)).join('');
    lines.push(`.io tokens=t${p.io.tokens} logits=t${p.io.logits} argmax=t${p.io.argmax}${sampler}`);
    lines.push(`.config ${canonicalJson(p.config)}`);
    lines.push(`.meta ${canonicalJson(p.meta)}`);
    for (const t of p.tensors) lines.push(printTensor(t));
    lines.push(`.queues ${p.queues.length}`);
  }
  p.queues.forEach((q, queue) => {
    for (let index = 0; index * INSTRUCTION_BYTES < q.byteLength; index++) {
      const where = { queue, index };
      let inst: Instruction;
      try {
        inst = decodeInstruction(q, index * INSTRUCTION_BYTES);
      } catch (e) {
        if (!(e instanceof FieldRangeError)) throw e;
        const raw = q.subarray(index * INSTRUCTION_BYTES, (index + 1) * INSTRUCTION_BYTES);
        if (!options.filter) lines.push(`q${queue}[${index}] RAW bytes=${toHex(raw)}`);
        continue;
      }
      if (options.filter && !options.filter(inst, where)) continue;
      lines.push(printInstruction(inst, where));
    }
  });
  return `${lines.join('\n')}\n`;
}

/** Parses one instruction line, with or without its `qN[i]` prefix. Throws AsmSyntaxError. */
export function parseInstructionLine(text: string): {
  where?: InstructionLocation;
  instruction: Instruction;
} {
  return parseInstructionTokens(splitTokens(text, 0), 0);
}

export function parseInstruction(text: string): Instruction {
  return parseInstructionLine(text).instruction;
}

interface Draft {
  formatVersion?: number;
  maxSeqLen?: number;
  weightBytes?: number;
  stateBytes?: number;
  counterCount?: number;
  tokensPerStep?: number;
  io?: Program['io'];
  config?: unknown;
  meta?: unknown;
  tensors: unknown[];
  queues?: Uint8Array[][];
}

function parseJson(text: string, lineNo: number, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AsmSyntaxError(lineNo, `${what}: not JSON`);
  }
}

function count(text: string | undefined, lineNo: number, what: string): number {
  const v = text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : undefined;
  if (v === undefined || !Number.isSafeInteger(v))
    throw new AsmSyntaxError(lineNo, `${what}: expected a count`);
  return v;
}

function parseTensor(tokens: string[], lineNo: number): Record<string, unknown> {
  const fail = (d: string): never => {
    throw new AsmSyntaxError(lineNo, `.tensor: ${d}`);
  };
  const id = /^t(\d+)$/.exec(tokens[1] ?? '') ?? fail('expected t<id>');
  const type = /^(\w+)\[([\d,]*)\]$/.exec(tokens[2] ?? '') ?? fail('expected dtype[dims]');
  const place = /^(\w+)@(\d+)$/.exec(tokens[3] ?? '') ?? fail('expected region@byteOffset');
  const entry: Record<string, unknown> = {
    id: Number(id[1]),
    dtype: type[1],
    shape: type[2] === '' ? [] : type[2]!.split(',').map((d) => count(d, lineNo, 'shape')),
    region: place[1],
    byteOffset: count(place[2], lineNo, 'byteOffset'),
  };
  for (const tok of tokens.slice(4)) {
    const [k, v] = splitKeyValue(tok, lineNo);
    if (k in entry) fail(`'${k}' given twice`);
    if (k === 'name') {
      const name = parseJson(v, lineNo, 'name');
      if (typeof name !== 'string') fail('name must be a JSON string');
      entry.name = name;
    } else if (k === 'layer') entry.layer = count(v, lineNo, 'layer');
    else if (k === 'source' || k === 'init') entry[k] = parseJson(v, lineNo, k);
    else if (k === 'tokenAxis') {
      if (v !== 'true') fail('tokenAxis is true or absent');
      entry.tokenAxis = true;
    } else fail(`unknown key '${k}'`);
  }
  return entry;
}

function parseDirective(d: Draft, tokens: string[], lineNo: number): void {
  const fail = (detail: string): never => {
    throw new AsmSyntaxError(lineNo, detail);
  };
  const [name, ...args] = tokens as [string, ...string[]];
  const once = (key: keyof Draft): void => {
    if (d[key] !== undefined) fail(`${name} given twice`);
  };
  switch (name) {
    case '.format':
      once('formatVersion');
      d.formatVersion = count(args[0], lineNo, name);
      break;
    case '.maxSeqLen':
      once('maxSeqLen');
      d.maxSeqLen = count(args[0], lineNo, name);
      break;
    case '.counters':
      once('counterCount');
      d.counterCount = count(args[0], lineNo, name);
      break;
    case '.tokensPerStep':
      once('tokensPerStep');
      d.tokensPerStep = count(args[0], lineNo, name);
      break;
    case '.arenas': {
      once('weightBytes');
      const kv = Object.fromEntries(args.map((a) => splitKeyValue(a, lineNo)));
      d.weightBytes = count(kv.weights, lineNo, 'weights');
      d.stateBytes = count(kv.state, lineNo, 'state');
      break;
    }
    case '.io': {
      once('io');
      const kv = Object.fromEntries(args.map((a) => splitKeyValue(a, lineNo)));
      const id = (k: string): number => count(/^t(\d+)$/.exec(kv[k] ?? '')?.[1], lineNo, `.io ${k}`);
      d.io = { tokens: id('tokens'), logits: id('logits'), argmax: id('argmax') };
      if (kv.candidates !== undefined)
        d.io = { ...d.io, ...Object.fromEntries(SAMPLER_IO_KEYS.map((k) => [k, id(k)])) };
      break;
    }
    case '.config':
      once('config');
      d.config = parseJson(args.join(' '), lineNo, name);
      break;
    case '.meta':
      once('meta');
      d.meta = parseJson(args.join(' '), lineNo, name);
      break;
    case '.tensor':
      if (d.queues) fail('.tensor after .queues');
      d.tensors.push(parseTensor(tokens, lineNo));
      break;
    case '.queues': {
      once('queues');
      const n = count(args[0], lineNo, name);
      if (n > 0xffff) fail('.queues: more than 65535 queues');
      d.queues = Array.from({ length: n }, () => []);
      break;
    }
    default:
      fail(`unknown directive ${name}`);
  }
}

function parseRaw(tokens: string[], lineNo: number): Uint8Array {
  const m = /^bytes=([0-9a-fA-F]{128})$/.exec(tokens[2] ?? '');
  if (!m || tokens.length !== 3) throw new AsmSyntaxError(lineNo, 'RAW: expected bytes=<128 hex digits>');
  return Uint8Array.from({ length: INSTRUCTION_BYTES }, (_, i) =>
    Number.parseInt(m[1]!.slice(2 * i, 2 * i + 2), 16),
  );
}

/** Parses printProgram's output. Syntax errors are AsmSyntaxError; a bad header is ProgramFormatError. */
export function parseProgram(text: string): Program {
  const d: Draft = { tensors: [] };
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    const tokens = splitTokens(line, lineNo);
    if (tokens.length === 0) return;
    if (tokens[0]!.startsWith('.')) {
      parseDirective(d, tokens, lineNo);
      return;
    }
    if (!d.queues) throw new AsmSyntaxError(lineNo, 'instruction before .queues');
    const loc = /^q(\d+)\[(\d+)\]$/.exec(tokens[0]!);
    if (!loc) throw new AsmSyntaxError(lineNo, 'instruction lines start with q<queue>[<index>]');
    const queue = d.queues[Number(loc[1])];
    if (!queue) throw new AsmSyntaxError(lineNo, `queue ${loc[1]} is beyond .queues ${d.queues.length}`);
    if (Number(loc[2]) !== queue.length) {
      throw new AsmSyntaxError(lineNo, `expected index ${queue.length} of queue ${loc[1]}, got ${loc[2]}`);
    }
    if (tokens[1] === 'RAW') queue.push(parseRaw(tokens, lineNo));
    else queue.push(encodeInstruction(parseInstructionTokens(tokens, lineNo).instruction));
  });
  const missing = (
    ['formatVersion', 'maxSeqLen', 'weightBytes', 'counterCount', 'io', 'config', 'meta', 'queues'] as const
  ).filter((k) => d[k] === undefined);
  if (missing.length) throw new AsmSyntaxError(lines.length, `missing directives for ${missing.join(', ')}`);
  const queues = d.queues!.map((q) => {
    const bytes = new Uint8Array(q.length * INSTRUCTION_BYTES);
    q.forEach((inst, i) => {
      bytes.set(inst, i * INSTRUCTION_BYTES);
    });
    return bytes;
  });
  const header = checkProgramHeader({
    formatVersion: d.formatVersion,
    config: d.config as RuntimeModelConfig,
    maxSeqLen: d.maxSeqLen,
    tensors: d.tensors,
    weightBytes: d.weightBytes,
    stateBytes: d.stateBytes,
    counterCount: d.counterCount,
    ...(d.tokensPerStep !== undefined ? { tokensPerStep: d.tokensPerStep } : {}),
    io: d.io,
    meta: d.meta,
    queueLengths: queues.map((q) => q.byteLength / INSTRUCTION_BYTES),
  });
  const { queueLengths: _lengths, ...rest } = header;
  return { ...rest, queues };
}
