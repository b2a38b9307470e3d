/**
 * Runs a program as the GPU would: materialise its tensors, write the prompt into the token
 * buffer, then one decode step per position, each running every queue to its end under the
 * dependency counters (which are never reset), and read the logits back after each step.
 */
import {
  type DeviceSampling,
  decodeQueue,
  encodeSamplingParams,
  FLAG_EMBED_FROM_ARGMAX,
  isGreedySampling,
  NONE16,
  opcodeInfo,
  operandField,
  type Program,
  tensorElementCount,
  tokensPerStep,
} from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import { argmax, argmaxKeyToken } from '../maths/argmax.js';
import { createRng, type Rng } from '../maths/prng.js';
import { VmInstructionError, VmProgramError } from './errors.js';
import { VmMemory } from './memory.js';
import { type AccessEvent, type DecodedQueue, runDecodeStep, type StepOptions } from './queue-runner.js';

export interface RunProgramOptions {
  /** Which runnable queue executes next: cycling through the queues (default), or a seeded random pick. */
  readonly interleaving?: 'round-robin' | 'random';
  /** Seed of the random interleaving (default 0). */
  readonly seed?: number;
  /** Check every tensor access against the tensor's bounds (VmBoundsError). Default false. */
  readonly strict?: boolean;
  /** Most instructions the whole run may execute before VmStepLimitError (default: unlimited). */
  readonly maxSteps?: number;
  /**
   * With `strict`: called after every instruction with the accesses its executor made (tests compare
   * them with the ISA's declared access model).
   */
  readonly onAccesses?: (event: AccessEvent) => void;
}

/** A loaded program ready to step: memory, decoded queues, counters (internal; tests drive it directly). */
export class ProgramRun {
  readonly memory: VmMemory;
  readonly queues: DecodedQueue[];
  readonly counters: Uint32Array;
  private readonly step: StepOptions;
  private epoch = 0;

  /** `promptLength`: the first sequence's prompt length (LongRoPE's RoPE table depends on it). */
  constructor(
    readonly program: Program,
    checkpoint: Checkpoint,
    opts: RunProgramOptions,
    promptLength = 0,
    /** Another run whose weights, KV cache and tokens this one works on (VmMemory's `share`). */
    share?: ProgramRun,
  ) {
    for (const key of ['tokens', 'logits', 'argmax'] as const) {
      if (!program.tensors[program.io[key]])
        throw new VmProgramError(`io.${key} = ${program.io[key]} names no tensor`);
    }
    this.memory = new VmMemory(program, checkpoint, promptLength, share?.memory);
    this.counters = new Uint32Array(program.counterCount);
    this.queues = program.queues.map((bytes, q) => {
      const instructions = decodeQueue(bytes);
      instructions.forEach((inst, index) => {
        for (const c of [inst.wait0Counter, inst.wait1Counter, inst.signalCounter]) {
          if (c !== NONE16 && c >= program.counterCount) {
            const opcode = opcodeInfo(inst.opcode)?.name ?? `0x${inst.opcode.toString(16)}`;
            throw new VmInstructionError(
              { queue: q, index, opcode, pos: -1 },
              `counter ${c} ≥ counterCount ${program.counterCount}`,
            );
          }
        }
      });
      return { instructions, infos: instructions.map((i) => opcodeInfo(i.opcode)) };
    });
    const limit = opts.maxSteps ?? Number.POSITIVE_INFINITY;
    this.step = {
      strict: opts.strict ?? false,
      rng: opts.interleaving === 'random' ? createRng(opts.seed ?? 0) : null,
      budget: { remaining: limit, limit },
      ...(opts.onAccesses ? { onAccesses: opts.onAccesses } : {}),
    };
  }

  get tokens(): Int32Array {
    const t = this.memory.data[this.program.io.tokens];
    if (!(t instanceof Int32Array)) throw new VmProgramError('io.tokens must be an i32 tensor');
    return t;
  }

  get logits(): Float32Array {
    const t = this.memory.data[this.program.io.logits];
    if (!(t instanceof Float32Array)) throw new VmProgramError('io.logits must be a float tensor');
    return t;
  }

  /** The argmax key words of `pos` (low, high). */
  argmaxKey(pos: number): [number, number] {
    const t = this.memory.data[this.program.io.argmax]!;
    return [t[pos * 2]! >>> 0, t[pos * 2 + 1]! >>> 0];
  }

  /** Back to step 0: state tensors re-initialised (for a prompt of `promptLength`), counters zeroed; weights are kept. */
  reset(promptLength = 0): void {
    this.memory.resetState(promptLength);
    this.counters.fill(0);
    this.epoch = 0;
  }

  /**
   * Counters and steps back to 0, state untouched: a run over another run's memory (`share`) starts a
   * new sequence once that run has reset the state they share.
   */
  resetCounters(): void {
    this.counters.fill(0);
    this.epoch = 0;
  }

  /** Runs decode step `pos` (steps must come in order 0, 1, 2, ...). */
  runStep(pos: number): void {
    runDecodeStep(this.memory, this.queues, this.counters, pos, this.epoch, this.step);
    this.epoch++;
  }
}

function checkPrompt(program: Program, inputIds: readonly number[], steps: number): void {
  if (inputIds.length === 0) throw new VmProgramError('empty prompt');
  if (steps > program.maxSeqLen)
    throw new VmProgramError(`${steps} positions exceed the program's maxSeqLen ${program.maxSeqLen}`);
  const tokens = program.tensors[program.io.tokens]!;
  if (tensorElementCount(tokens) < steps)
    throw new VmProgramError(`io.tokens holds ${tensorElementCount(tokens)} positions, ${steps} needed`);
}

/** Logits [T, vocab] for every position of the prompt, computed by the program's instructions. */
export function runProgram(
  program: Program,
  checkpoint: Checkpoint,
  inputIds: readonly number[],
  opts: RunProgramOptions = {},
): Float32Array {
  checkPrompt(program, inputIds, inputIds.length);
  const run = new ProgramRun(program, checkpoint, opts, inputIds.length);
  const vocab = program.config.vocabSize;
  if (run.logits.length !== vocab)
    throw new VmProgramError(`io.logits holds ${run.logits.length} values, vocab is ${vocab}`);
  run.tokens.fill(-1);
  run.tokens.set(inputIds);
  const out = new Float32Array(inputIds.length * vocab);
  for (let pos = 0; pos < inputIds.length; pos++) {
    run.runStep(pos);
    out.set(run.logits, pos * vocab);
  }
  return out;
}

export interface RunGreedyOptions extends RunProgramOptions {
  /**
   * Token never chosen. With the in-program argmax it replaces the suppressToken operand of every
   * ARGMAX / FUSED_NORM_LM_HEAD_ARGMAX instruction (undefined: as compiled); on the host path it is
   * skipped when reading the logits.
   */
  readonly suppressToken?: number;
}

/**
 * Greedy continuation of n tokens. When the program gathers its own next token (EMBED_GATHER with
 * embedFromArgmax after an argmax into io.argmax), the host only leaves tokens[pos] = −1 and reads
 * the argmax keys; otherwise the host takes argmax of the logits and writes the token itself.
 */
export function runGreedy(
  program: Program,
  checkpoint: Checkpoint,
  inputIds: readonly number[],
  n: number,
  opts: RunGreedyOptions = {},
): number[] {
  const T = inputIds.length;
  const steps = T + n - 1;
  checkPrompt(program, inputIds, steps);
  const run = new ProgramRun(program, checkpoint, opts, T);
  const inProgram = selfFeeding(run.queues, program);
  if (inProgram && opts.suppressToken !== undefined) {
    for (const q of run.queues) {
      q.instructions.forEach((inst, i) => {
        const info = q.infos[i];
        const field = info && operandField(info, 'suppressToken');
        if (field) inst[field] = opts.suppressToken! >>> 0;
      });
    }
  }
  run.tokens.fill(-1);
  run.tokens.set(inputIds);
  const out: number[] = [];
  for (let pos = 0; pos < steps; pos++) {
    if (!inProgram && pos >= T) run.tokens[pos] = out[out.length - 1]!;
    run.runStep(pos);
    if (pos < T - 1) continue;
    if (inProgram) {
      const [low, high] = run.argmaxKey(pos);
      if (low === 0 && high === 0) throw new VmProgramError(`the program wrote no argmax key for pos ${pos}`);
      out.push(argmaxKeyToken(low));
    } else {
      out.push(argmax(run.logits, opts.suppressToken === undefined ? [] : [opts.suppressToken]));
    }
  }
  return out;
}

/**
 * n tokens drawn by the program's own sampler (SAMPLE) in one run, as a GPU launch draws them: the host
 * writes the sampling words and one pair of uniform words per sampled position from `rng`, in the
 * order the host sampler draws (nothing for greedy settings).
 */
export function runSampled(
  program: Program,
  checkpoint: Checkpoint,
  inputIds: readonly number[],
  n: number,
  sampling: DeviceSampling,
  rng: Rng,
  opts: RunProgramOptions = {},
): number[] {
  const { candidates, sampling: params, uniforms } = program.io;
  if (candidates === undefined || params === undefined || uniforms === undefined)
    throw new VmProgramError('the program has no device sampler (compile it with deviceSampler)');
  const T = inputIds.length;
  const steps = T + n - 1;
  checkPrompt(program, inputIds, steps);
  const run = new ProgramRun(program, checkpoint, opts, T);
  (run.memory.data[params] as Uint32Array).set(encodeSamplingParams(sampling));
  if (!isGreedySampling(sampling)) {
    const u = run.memory.data[uniforms] as Uint32Array;
    for (let pos = T - 1; pos < steps; pos++) u.set(rng.nextUniformWords(), pos * 2);
  }
  run.tokens.fill(-1);
  run.tokens.set(inputIds);
  const out: number[] = [];
  for (let pos = 0; pos < steps; pos++) {
    run.runStep(pos);
    if (pos >= T - 1) out.push(argmaxKeyToken(run.argmaxKey(pos)[0]));
  }
  return out;
}

/** True when the program feeds itself: it gathers from the argmax keys and something folds into io.argmax. */
function selfFeeding(queues: readonly DecodedQueue[], program: Program): boolean {
  let gathers = false;
  let folds = false;
  for (const q of queues) {
    q.instructions.forEach((inst, i) => {
      const info = q.infos[i];
      const field = info && operandField(info, 'argmax');
      if (!info || !field || inst[field] !== program.io.argmax) return;
      if (info.name === 'EMBED_GATHER') gathers ||= (inst.flags & FLAG_EMBED_FROM_ARGMAX) !== 0;
      else folds = true;
    });
  }
  return gathers && folds;
}

/** Every state tensor of a program after one decode step, by tensor id (values as the VM holds them). */
export type StateSnapshot = ReadonlyMap<number, Float32Array | Int32Array | Uint32Array>;

/**
 * Runs the prompt and returns, after every step, a copy of every state tensor: the CPU side of the
 * per-tensor diff (the GPU tests run the same program step by step and compare each tensor).
 */
export function traceProgram(
  program: Program,
  checkpoint: Checkpoint,
  inputIds: readonly number[],
  opts: RunProgramOptions = {},
): StateSnapshot[] {
  checkPrompt(program, inputIds, inputIds.length);
  const run = new ProgramRun(program, checkpoint, opts, inputIds.length);
  run.tokens.fill(-1);
  run.tokens.set(inputIds);
  const state = program.tensors.filter((t) => t.region === 'state');
  const out: StateSnapshot[] = [];
  for (let pos = 0; pos < inputIds.length; pos++) {
    run.runStep(pos);
    out.push(new Map(state.map((t) => [t.id, run.memory.data[t.id]!.slice()])));
  }
  return out;
}

/**
 * A prefill program over a prompt (issue 10): one step per `tokensPerStep` tokens, the prompt a whole
 * number of steps. Returns the logits the program computes: every position's ([length, vocab]) when
 * it was compiled with `prefillLogits: 'all'`, else the last token's of each step ([steps, vocab]).
 */
export function runPrefill(
  program: Program,
  checkpoint: Checkpoint,
  inputIds: readonly number[],
  opts: RunProgramOptions = {},
): Float32Array {
  const T = tokensPerStep(program);
  checkPrompt(program, inputIds, inputIds.length);
  if (inputIds.length % T !== 0)
    throw new VmProgramError(`a prompt of ${inputIds.length} tokens is not whole steps of ${T} tokens`);
  const run = new ProgramRun(program, checkpoint, opts, inputIds.length);
  const vocab = program.config.vocabSize;
  const rows = run.logits.length / vocab;
  if (rows !== 1 && rows !== T)
    throw new VmProgramError(
      `io.logits holds ${run.logits.length} values: neither 1 nor ${T} rows of ${vocab}`,
    );
  run.tokens.fill(-1);
  run.tokens.set(inputIds);
  const steps = inputIds.length / T;
  const out = new Float32Array(steps * rows * vocab);
  for (let s = 0; s < steps; s++) {
    run.runStep(s * T);
    out.set(run.logits, s * rows * vocab);
  }
  return out;
}
