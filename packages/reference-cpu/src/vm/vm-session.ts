/**
 * The CPU VM's decode session: `VmDecoder` runs a program one token per step and returns that
 * position's logits, with the KV cache kept in VM memory. Given a prefill program too, `prefill` feeds
 * a prompt in steps of that program's tokens (issue 10) over the same weights and KV cache, and the
 * tokens that do not fill a step through the decode program. It implements the runtime's
 * `DecodeSession` (the 'cpu' backend).
 */
import {
  type DeviceSampling,
  deviceSamplerServes,
  encodeSamplingParams,
  isGreedySampling,
  type Program,
  ropeUsesLongFactors,
  stateLayoutMismatch,
  tokensPerStep,
} from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import { DecoderClosedError } from '../closed-error.js';
import { argmaxKeyToken } from '../maths/argmax.js';
import { VmProgramError } from './errors.js';
import { ProgramRun, type RunProgramOptions } from './run-program.js';

export class VmDecoder {
  /** KV-cache capacity in tokens: the program's maxSeqLen. */
  readonly maxSeqLen: number;
  private run: ProgramRun | undefined;
  /** The run that owns the weights and the KV cache (the first program's); switchProgram borrows them. */
  private owner: ProgramRun | undefined;
  private current: Program;
  private readonly checkpoint: Checkpoint;
  private readonly opts: RunProgramOptions;
  private pos = 0;
  /** Whether any step ran (or failed midway) since the state was last initialised. */
  private dirty = false;
  /** The prompt length the state was last initialised for. */
  private promptLength = 0;

  /** The prefill program's run over the decode run's memory, and its tokens per step. */
  private prefillRun: ProgramRun | undefined;
  private readonly prefillTokens: number;

  constructor(
    program: Program,
    checkpoint: Checkpoint,
    opts: RunProgramOptions = {},
    prefillProgram?: Program,
  ) {
    this.current = program;
    this.checkpoint = checkpoint;
    this.opts = opts;
    this.run = new ProgramRun(program, checkpoint, opts);
    this.owner = this.run;
    this.run.tokens.fill(-1);
    this.maxSeqLen = program.maxSeqLen;
    this.prefillTokens = prefillProgram ? tokensPerStep(prefillProgram) : 0;
    if (prefillProgram) {
      if (prefillProgram.maxSeqLen !== program.maxSeqLen)
        throw new VmProgramError(
          `the prefill program's maxSeqLen ${prefillProgram.maxSeqLen} is not the decode program's ${program.maxSeqLen}`,
        );
      this.prefillRun = new ProgramRun(prefillProgram, checkpoint, opts, 0, this.run);
    }
  }

  /**
   * Feeds `tokens` from the current position: whole steps of the prefill program's tokens, the rest one
   * by one. Returns a copy of the logits that predict the token after the last. Without a prefill
   * program, token by token.
   */
  prefill(tokens: readonly number[]): Float32Array {
    const run = this.live('prefill');
    const { maxSeqLen, config } = this.program;
    if (tokens.length === 0) throw new VmProgramError('prefill of no tokens');
    if (this.pos + tokens.length > maxSeqLen)
      throw new VmProgramError(
        `${this.pos + tokens.length} positions exceed the program's maxSeqLen ${maxSeqLen}`,
      );
    for (const token of tokens)
      if (!Number.isInteger(token) || token < 0 || token >= config.vocabSize)
        throw new VmProgramError(`token ${token} is outside the vocabulary [0, ${config.vocabSize})`);
    const T = this.prefillTokens;
    const whole = this.prefillRun && T > 0 ? Math.floor(tokens.length / T) * T : 0;
    let logits: Float32Array | undefined;
    if (whole > 0) {
      this.dirty = true;
      run.tokens.set(tokens.slice(0, whole), this.pos);
      for (let i = 0; i < whole; i += T) {
        this.prefillRun!.runStep(this.pos);
        this.pos += T;
      }
      logits = Float32Array.from(this.prefillRun!.logits);
    }
    for (const token of tokens.slice(whole)) logits = this.step(token);
    return logits!;
  }

  /** The decode program steps run now (the constructor's, or the last switchProgram's). */
  get program(): Program {
    return this.current;
  }

  /**
   * Runs the next steps with `program`, another decode program of the model on the same state layout
   * (an attention variant: isa's stateLayoutMismatch), over this session's weights, KV cache and tokens,
   * as cuda-hopper's CudaProgram.switchProgram does on the GPU. Its counters start at 0 (the program
   * already running stays as it is).
   */
  switchProgram(program: Program): void {
    this.live('switchProgram');
    if (program === this.current) return;
    const mismatch = stateLayoutMismatch(this.current, program);
    if (mismatch) throw new VmProgramError(`switchProgram: not the same state layout (${mismatch})`);
    this.run = new ProgramRun(program, this.checkpoint, this.opts, this.promptLength, this.owner);
    this.current = program;
  }

  /** Position the next `step` decodes (= tokens fed so far). */
  get position(): number {
    return this.pos;
  }

  /** Feeds `token` at the current position; returns a copy of the logits for the next token. */
  step(token: number): Float32Array {
    const run = this.live('step');
    const { maxSeqLen, config } = this.program;
    if (this.pos >= maxSeqLen)
      throw new VmProgramError(`position ${this.pos} is past the program's maxSeqLen ${maxSeqLen}`);
    if (!Number.isInteger(token) || token < 0 || token >= config.vocabSize)
      throw new VmProgramError(`token ${token} is outside the vocabulary [0, ${config.vocabSize})`);
    this.dirty = true;
    run.tokens[this.pos] = token;
    run.runStep(this.pos);
    this.pos++;
    return Float32Array.from(run.logits);
  }

  /**
   * Programs with a device sampler: feeds `tokens`, then lets the program's SAMPLE draw `count` tokens,
   * each fed back as the next input (the last one is not fed), as one GPU launch does (cuda-hopper's
   * CudaDecoder.sampleOnDevice); `draws` gives a pair of uniform words per drawn token, unless greedy.
   */
  sampleOnDevice(
    tokens: readonly number[],
    count: number,
    sampling: DeviceSampling,
    draws: { nextUniformWords(): [number, number] },
  ): number[] {
    const run = this.live('sampleOnDevice');
    const { candidates, sampling: params, uniforms } = this.program.io;
    if (candidates === undefined || params === undefined || uniforms === undefined)
      throw new VmProgramError('the program has no device sampler (compile it with deviceSampler)');
    const steps = tokens.length + count - 1;
    if (tokens.length === 0 || count < 1 || this.pos + steps > this.maxSeqLen)
      throw new VmProgramError(
        `cannot draw ${count} tokens after ${tokens.length} from position ${this.pos}`,
      );
    this.dirty = true;
    (run.memory.data[params] as Uint32Array).set(encodeSamplingParams(sampling));
    const first = this.pos + tokens.length - 1;
    if (!isGreedySampling(sampling)) {
      const u = run.memory.data[uniforms] as Uint32Array;
      for (let i = 0; i < count; i++) u.set(draws.nextUniformWords(), (first + i) * 2);
    }
    run.tokens.set(tokens, this.pos);
    run.tokens.fill(-1, this.pos + tokens.length, this.pos + steps);
    for (let i = 0; i < steps; i++) run.runStep(this.pos + i);
    this.pos += steps;
    return Array.from({ length: count }, (_, i) => argmaxKeyToken(run.argmaxKey(first + i)[0]));
  }

  /** Whether sampleOnDevice serves these settings. */
  servesOnDevice(sampling: DeviceSampling): boolean {
    return this.program.io.sampling !== undefined && deviceSamplerServes(sampling);
  }

  /**
   * Forgets every token (fresh KV cache and counters; the weights stay loaded). `promptLength`: the next
   * sequence's prompt length, when known (LongRoPE rotates by it, as transformers does).
   */
  reset(promptLength = 0): void {
    const run = this.live('reset');
    const config = this.program.config;
    // Re-initialising the state costs a pass over VM memory: skip it when nothing ran since and the
    // RoPE table would come out the same.
    const tableChanges =
      ropeUsesLongFactors(config, 0, promptLength) !== ropeUsesLongFactors(config, 0, this.promptLength);
    if (this.dirty || tableChanges) {
      this.owner!.reset(promptLength);
      if (run !== this.owner) run.reset(promptLength);
      this.prefillRun?.resetCounters();
    }
    this.promptLength = promptLength;
    run.tokens.fill(-1);
    this.pos = 0;
    this.dirty = false;
  }

  /** Releases the VM memory (weights, KV cache). Idempotent; step() and reset() then throw. */
  close(): void {
    this.run = undefined;
    this.owner = undefined;
    this.prefillRun = undefined;
    this.pos = 0;
  }

  private live(what: string): ProgramRun {
    if (this.run === undefined) throw new DecoderClosedError(`${what}() on a closed VM decoder`);
    return this.run;
  }
}
