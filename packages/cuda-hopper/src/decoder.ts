/**
 * A decode session on the GPU (the runtime's `DecodeSession`): one program resident on a device
 * handle it owns: one launch per token with the host sampling between tokens (step), or many tokens per
 * launch drawn by the program's own sampler (sampleOnDevice).
 */
import {
  type ContextBand,
  type DeviceSampling,
  deviceSamplerServes,
  isGreedySampling,
  type Program,
  sharedStateMismatch,
  stateLayoutMismatch,
  tokensPerStep,
  variantForContext,
} from '@megakernel/isa';
import type { TensorReader } from '@megakernel/model';
import type { CudaDevice } from './device.js';
import {
  CudaProgram,
  type CudaProgramOptions,
  drawWords,
  programImage,
  type UniformDraws,
  type UploadProgress,
} from './device-program.js';
import { CudaClosedError } from './errors.js';

/** One program of a session's variants and the contexts it serves. */
export interface ProgramVariant extends ContextBand {
  readonly program: Program;
}

export interface CudaDecoderOptions extends CudaProgramOptions {
  /** Weight upload progress, one call per tensor. */
  readonly onUpload?: (p: UploadProgress) => void;
  /**
   * Programs of the model on the program's state layout (the scheduler's compileAttentionVariants),
   * each serving launches up to a context: every launch runs the one for the context its last step
   * reaches, so the attention split follows the context instead of being fixed at compile time.
   */
  readonly variants?: readonly ProgramVariant[];
  /**
   * A prefill program on the decode program's state (the scheduler's placePrefillOnDecodeState): the
   * prompt but its last token goes through it in steps of its tokens per step, in one launch, then the
   * last through the decode program, whose logits or draws follow.
   */
  readonly prefill?: Program;
}

export class CudaDecoder {
  readonly maxSeqLen: number;
  private readonly gpu: CudaProgram;
  private readonly vocab: number;
  private readonly hasSampler: boolean;
  private readonly variants: readonly ProgramVariant[];
  private readonly prefillProgram: Program | undefined;
  private readonly decodeProgram: Program;
  private pos = 0;
  private closed = false;

  /**
   * Loads `program` onto `device` and uploads its weights from `checkpoint`. The decoder owns `device`
   * from then on: close() closes it, and so does a constructor that throws (UnsupportedProgramError
   * before anything is uploaded, or a failed upload).
   */
  constructor(
    device: CudaDevice,
    program: Program,
    checkpoint: TensorReader,
    options: CudaDecoderOptions = {},
  ) {
    try {
      if (options.prefill) {
        programImage(options.prefill, device.info.smCount); // checked and encoded now, not at the first prompt
        const mismatch = sharedStateMismatch(program, options.prefill);
        if (mismatch)
          throw new Error(`the prefill program is not placed on the decode program's state (${mismatch})`);
      }
      for (const v of options.variants ?? []) {
        programImage(v.program, device.info.smCount);
        const mismatch = stateLayoutMismatch(program, v.program);
        if (mismatch) throw new Error(`a program variant is not on the program's state layout (${mismatch})`);
      }
      this.gpu = new CudaProgram(
        device,
        program,
        options.watchdogMs === undefined ? {} : { watchdogMs: options.watchdogMs },
      );
      this.gpu.uploadWeights(checkpoint, options.onUpload);
    } catch (e) {
      device.close();
      throw e;
    }
    this.variants = options.variants ?? [];
    this.prefillProgram = options.prefill;
    this.decodeProgram = program;
    this.maxSeqLen = program.maxSeqLen;
    this.hasSampler = program.io.sampling !== undefined;
    this.vocab = program.config.vocabSize;
  }

  /** Tokens fed so far: the position the next token takes. */
  get position(): number {
    return this.pos;
  }

  /** Feeds one token at `position` (one launch) and returns the logits [vocab] for the next one. */
  step(token: number): Float32Array {
    this.assertOpen('step');
    this.gpu.setTokens([token], this.pos);
    this.launch(1);
    this.pos++;
    return this.gpu.readLogits().subarray(0, this.vocab);
  }

  /**
   * Feeds `tokens` from `position` and returns the logits [vocab] that predict the token after the last:
   * all but the last through the prefill program (when there is one), the last as a decode step.
   */
  prefill(tokens: readonly number[]): Float32Array {
    this.assertOpen('prefill');
    if (tokens.length === 0) throw new RangeError('prefill of no tokens');
    this.prefillSteps(tokens.slice(0, -1));
    return this.step(tokens[tokens.length - 1]!);
  }

  /**
   * Feeds `tokens` through the prefill program in one launch of ceil(length / T) steps, the last step
   * padded where the cache has room (its extra positions' KV rows and argmax keys are rewritten or
   * cleared before anything reads them), else whole steps only; the rest goes token by token, as all
   * of them do without a prefill program.
   */
  private prefillSteps(tokens: readonly number[]): void {
    const program = this.prefillProgram;
    const T = program ? tokensPerStep(program) : 0;
    let steps = program ? Math.ceil(tokens.length / T) : 0;
    if (this.pos + steps * T > this.maxSeqLen) steps = Math.floor(tokens.length / T);
    const fed = Math.min(tokens.length, steps * T);
    if (program && steps > 0) {
      const padded = [...tokens.slice(0, fed), ...new Array<number>(steps * T - fed).fill(0)];
      this.gpu.setTokens(padded, this.pos);
      this.gpu.switchProgram(program);
      this.gpu.run({ steps, pos0: this.pos });
      // The padded step's head folded its argmax into its last position's keys, which a decode step
      // there would fold into: back to the reset value (zero). Its KV rows are rewritten before read.
      if (fed < steps * T) this.gpu.clearArgmaxKeys(this.pos + fed, this.pos + steps * T);
      this.pos += fed;
      // Back to a decode program: the sampler's tensors (setSampling, setUniforms) are only in those.
      this.gpu.switchProgram(this.decodeFor(this.pos + 1));
    }
    for (const t of tokens.slice(fed)) this.step(t);
  }

  /**
   * Feeds `tokens` from `position`, then lets the program's own sampler (deviceSampler programs) draw
   * `count` tokens, each fed back as the next input, all in ONE launch. Returns the drawn tokens; the
   * last one is not fed (position advances by tokens.length + count - 1). `draws` gives one pair of
   * uniform words per drawn token, in order (unused when the settings are greedy).
   */
  sampleOnDevice(
    tokens: readonly number[],
    count: number,
    sampling: DeviceSampling,
    draws: UniformDraws,
  ): number[] {
    this.assertOpen('sampleOnDevice');
    if (!this.hasSampler)
      throw new Error('this program has no device sampler (compile it with deviceSampler)');
    if (tokens.length === 0 || !Number.isInteger(count) || count < 1)
      throw new RangeError('sampleOnDevice needs tokens and count >= 1');
    const steps = tokens.length + count - 1;
    if (this.pos + steps > this.maxSeqLen)
      throw new RangeError(
        `positions ${this.pos}..${this.pos + steps - 1} exceed maxSeqLen ${this.maxSeqLen}`,
      );
    // The prompt but its last token through the prefill program; the rest of the launch as before.
    if (tokens.length > 1 && this.prefillProgram) {
      this.prefillSteps(tokens.slice(0, -1));
      return this.sampleOnDevice(tokens.slice(-1), count, sampling, draws);
    }
    const first = this.pos + tokens.length - 1;
    this.gpu.setTokens([...tokens, ...new Array<number>(count - 1).fill(-1)], this.pos);
    this.gpu.setSampling(sampling);
    if (!isGreedySampling(sampling)) this.gpu.setUniforms(first, drawWords(draws, count));
    this.launch(steps);
    this.pos += steps;
    return this.gpu.readArgmaxTokens(first, count);
  }

  /** The program the last launch ran (one of the variants, when there are any). */
  get program(): Program {
    return this.gpu.program;
  }

  /** One launch of `steps` steps from the current position, with the variant for the context it reaches. */
  private launch(steps: number): void {
    this.gpu.switchProgram(this.decodeFor(this.pos + steps));
    this.gpu.run({ steps, pos0: this.pos });
  }

  /** The decode program for a launch whose last step sees `context` positions. */
  private decodeFor(context: number): Program {
    return this.variants.length > 0 ? variantForContext(this.variants, context).program : this.decodeProgram;
  }

  /** Whether sampleOnDevice can serve these settings (the program has a sampler, top-k within its reach). */
  servesOnDevice(sampling: DeviceSampling): boolean {
    return this.hasSampler && deviceSamplerServes(sampling);
  }

  /**
   * Forgets every token (fresh state and counters); the weights stay on the device. `promptLength`: the
   * next sequence's prompt length, when known (LongRoPE rotates by it, as transformers does).
   */
  reset(promptLength = 0): void {
    this.assertOpen('reset');
    this.gpu.switchProgram(this.decodeProgram); // its tensors are the ones reset initialises
    this.gpu.reset(promptLength);
    this.pos = 0;
  }

  /**
   * Closes the device handle: its weights, state, program, stream and staging buffers are freed.
   * Idempotent; step() and reset() then throw CudaClosedError.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.gpu.device.close();
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new CudaClosedError(`${what}() on a closed GPU decode session`);
  }
}
