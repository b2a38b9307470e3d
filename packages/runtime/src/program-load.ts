/**
 * The one way a program from outside (a file, bytes, or a Program object handed to the API) becomes
 * runnable: parse it, validate it strictly, and check every size it declares against limits derived
 * from the model, before anything is allocated or executed. A corrupted program then ends in a named
 * error instead of a multi-gigabyte allocation, a raw RangeError, or a VM that runs for hours (issue
 * 12: one bit flip turned a rowCount of 16 into 67,108,880).
 */
import * as fs from 'node:fs';
import {
  modelConstantViolations,
  type Program,
  ProgramFormatError,
  type RuntimeModelConfig,
  readProgram,
  SIZE_FIELDS,
  type Violation,
  validateProgram,
  weightSourceViolations,
} from '@megakernel/isa';
import { type Violation as VerifyViolation, verifyProgram } from '@megakernel/scheduler';
import { RuntimeError } from './errors.js';

/** A program file that is missing or not a regular file. */
export class ProgramFileError extends RuntimeError {
  constructor(
    readonly file: string,
    readonly problem: 'missing' | 'not-a-file',
  ) {
    super(
      problem === 'missing'
        ? `program file ${file} does not exist`
        : `program file ${file} is not a file (a directory?)`,
    );
  }
}

/** A program that breaks the ISA's strict validation (the first violations are listed). */
export class ProgramValidationError extends RuntimeError {
  constructor(
    readonly source: string,
    readonly violations: readonly Violation[],
  ) {
    const shown = violations.slice(0, 3).map(describeViolation).join('; ');
    const more = violations.length > 3 ? `; and ${violations.length - 3} more` : '';
    super(`${source}: not a valid program: ${violations.length} violation(s): ${shown}${more}`);
  }
}

/**
 * A program that is valid instruction by instruction but that the verifier proves wrong as a whole: an
 * access out of bounds, a wait that can never be met, or two accesses of one element that its
 * counters leave unordered (a race). Strict validation passes such programs; the CPU VM may even run
 * them to plausible numbers (a race it happens not to hit).
 */
export class ProgramVerifyError extends RuntimeError {
  constructor(
    readonly source: string,
    readonly violations: readonly VerifyViolation[],
  ) {
    const shown = violations
      .slice(0, 3)
      .map((v) => `${v.kind} at queue ${v.queue} #${v.index}: ${v.message}`)
      .join('; ');
    const more = violations.length > 3 ? `; and ${violations.length - 3} more` : '';
    super(`${source}: the program verifier refuses it: ${shown}${more}`);
  }
}

/** A program size (maxSeqLen, an arena, the counters) beyond what its model can need, or a model mismatch. */
export class ProgramLimitError extends RuntimeError {
  constructor(
    readonly source: string,
    readonly field: string,
    readonly value: unknown,
    readonly limit: string,
  ) {
    super(`${source}: ${field} = ${String(value)} exceeds ${limit}`);
  }
}

/** A program compiled for another model than the checkpoint it is run with. */
export class ProgramModelMismatchError extends RuntimeError {
  constructor(
    readonly source: string,
    readonly field: string,
    readonly programValue: unknown,
    readonly modelValue: unknown,
  ) {
    super(
      `${source}: compiled for a model with ${field} = ${JSON.stringify(programValue)}, ` +
        `the checkpoint has ${JSON.stringify(modelValue)}`,
    );
  }
}

function describeViolation(v: Violation): string {
  const where =
    v.queue < 0 ? (v.index < 0 ? 'program' : `tensor ${v.index}`) : `queue ${v.queue} #${v.index}`;
  return `${where}: ${v.field} = ${String(v.value)} [${v.rule}]${v.detail === undefined ? '' : ` ${v.detail}`}`;
}

/** The largest sizes a program for `config` can need; anything larger is corruption, not a model. */
export interface ProgramLimits {
  readonly maxSeqLen: number;
  readonly weightBytes: number;
  readonly stateBytes: number;
  readonly counterCount: number;
}

/** 16-bit counter ids (0xFFFF is 'none'): more counters than that cannot be named by any instruction. */
const MAX_COUNTERS = 0xffff;
const SLACK_BYTES = 1 << 20;

/**
 * Generous upper bounds (twice an f32 copy of every weight; twice an f32 KV cache, RoPE table,
 * attention partials at one chunk per key, and activations) for a program of `maxSeqLen` positions:
 * far above what the scheduler emits (the tests check every fixture and preset), far below what a
 * flipped high bit asks for.
 */
export function programLimits(config: RuntimeModelConfig, maxSeqLen: number): ProgramLimits {
  const { numLayers: L, hiddenSize: H, intermediateSize: I, vocabSize: V, headDim: d } = config;
  const q = config.numHeads * d;
  const kv = config.numKvHeads * d;
  // A mixture of experts has E gated MLPs and a router [E, H] per layer.
  const experts = config.moe?.numExperts ?? 1;
  const perLayer = H * (q + 2 * kv) + q * H + experts * (3 * H * I + H) + 2 * (q + 2 * kv) + 2 * I + 8 * H;
  const params = L * perLayer + 2 * V * H + config.maxPositionEmbeddings * H + 4 * H + V;
  const S = maxSeqLen;
  const state =
    2 * L * S * kv + // KV cache
    L * S * (q + config.numHeads) + // attention partials and LSEs, one chunk per key at most
    S * (d + 8) + // RoPE table, tokens, argmax keys
    16 * L * (H + I + V + q + 2 * kv); // activations, logits
  return {
    maxSeqLen: config.maxPositionEmbeddings,
    weightBytes: 2 * 4 * params + SLACK_BYTES,
    stateBytes: 2 * 4 * state + SLACK_BYTES,
    counterCount: MAX_COUNTERS,
  };
}

/** The config fields that decide a program's shapes and numerics: they must match the checkpoint's. */
const MODEL_FIELDS = [
  'architecture',
  ...SIZE_FIELDS,
  'norm',
  'normEps',
  'normBias',
  'normPlacement',
  'qkvBias',
  'qkNorm',
  'oBias',
  'mlpBias',
  'lmHeadBias',
  'mlpGated',
  'activation',
  'position',
  'ropeTheta',
  'ropeScaling',
  'partialRotaryFactor',
  'ropeLayout',
  'slidingWindow',
  'slidingWindowLayers',
  'attnLogitSoftcap',
  'finalLogitSoftcap',
  'moe',
  'tieWordEmbeddings',
  'embeddingScale',
  'attentionScale',
  'parallelResidual',
  'residualScale',
  'logitsScale',
] as const;

export interface CheckProgramOptions {
  /** Name for messages (the file, or 'program'). */
  readonly source?: string;
  /** Run the program verifier after strict validation (default true). */
  readonly verify?: boolean;
  /** The model the program will run with; its config must match the program's. */
  readonly model?: RuntimeModelConfig;
}

/**
 * Strict validation, then every declared size against the limits of the model (the program's own
 * config when no model is given, after checking that it matches), then the verifier's proofs. Throws
 * ProgramValidationError, ProgramVerifyError, ProgramModelMismatchError or ProgramLimitError; returns
 * the program unchanged.
 */
/** Programs (by identity; they are immutable) that passed strict validation and the verifier. */
const verified = new WeakSet<Program>();

export function checkProgram(program: Program, options: CheckProgramOptions = {}): Program {
  const source = options.source ?? 'program';
  const model = options.model;
  if (model !== undefined) {
    for (const field of MODEL_FIELDS) {
      const a = JSON.stringify(program.config[field] ?? null);
      const b = JSON.stringify(model[field] ?? null);
      if (a !== b) throw new ProgramModelMismatchError(source, field, program.config[field], model[field]);
    }
  }
  const config = model ?? program.config;
  // Sizes first: validation walks the tensor table and the queues, but allocates nothing.
  const limits = programLimits(config, Math.min(program.maxSeqLen, config.maxPositionEmbeddings));
  if (!(program.maxSeqLen <= limits.maxSeqLen)) {
    throw new ProgramLimitError(
      source,
      'maxSeqLen',
      program.maxSeqLen,
      `the model's ${limits.maxSeqLen} positions`,
    );
  }
  const sizes = [
    ['weightBytes', program.weightBytes, limits.weightBytes, 'bytes, twice an f32 copy of every weight'],
    [
      'stateBytes',
      program.stateBytes,
      limits.stateBytes,
      "bytes, twice the state the model's context can need",
    ],
    ['counterCount', program.counterCount, limits.counterCount, 'counters (16-bit ids)'],
  ] as const;
  for (const [field, value, limit, what] of sizes) {
    if (!(value <= limit)) throw new ProgramLimitError(source, field, value, `${limit} ${what}`);
  }
  // Validation and the verifier depend on the program alone: a program object that passed both is
  // not proved again (`verify` reads a file, then checks it against the checkpoint).
  if (verified.has(program)) return program;
  // Token ids outside the vocabulary in the config are a warning at checkpoint load, not corruption
  // (tiny test checkpoints keep GPT-2's eos 50256 with a 256-token vocabulary; they never fire).
  const violations = [
    ...validateProgram(program, { mode: 'strict' }).filter((v) => v.rule !== 'config-token-in-vocab'),
    // Instruction fields that restate the model (eps, scales, window, activation) must agree with it.
    ...modelConstantViolations(program),
    ...weightSourceViolations(program),
  ];
  if (violations.length > 0) throw new ProgramValidationError(source, violations);
  // The whole-program proofs (bounds, deadlock, races, coverage): 1.0 s for Llama-3.2-1B, 2.3 s for Mistral-7B
  // on 132 queues. With the checks above, none of 100,000 single flips of llama-tiny's instructions
  // loads and runs to wrong logits (2026-12-02, docs/decisions.md).
  if (options.verify !== false) {
    const verdict = verifyProgram(program);
    if (!verdict.ok) throw new ProgramVerifyError(source, verdict.violations);
    verified.add(program);
  }
  return program;
}

/** Parses program bytes (ProgramFormatError naming `source`) and checks them with checkProgram. */
export function loadProgramBytes(bytes: Uint8Array, options: CheckProgramOptions = {}): Program {
  const source = options.source ?? 'program';
  let program: Program;
  try {
    program = readProgram(bytes);
  } catch (e) {
    if (!(e instanceof ProgramFormatError)) throw e;
    throw new ProgramFormatError(e.code, `${source}: ${e.message.slice(e.code.length + 2)}`);
  }
  return checkProgram(program, { ...options, source });
}

/** Reads, parses and checks a program file: the path every program file goes through. */
export function loadProgramFile(file: string, options: Omit<CheckProgramOptions, 'source'> = {}): Program {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ProgramFileError(file, 'missing');
    throw e;
  }
  if (!stat.isFile()) throw new ProgramFileError(file, 'not-a-file');
  return loadProgramBytes(new Uint8Array(fs.readFileSync(file)), { ...options, source: file });
}
