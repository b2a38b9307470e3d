/**
 * A decode session on the GPU (the runtime's `DecodeSession`): one program resident on a device
 * handle it owns, one launch per token, the host sampling between tokens.
 */
import type { Program } from '@megakernel/isa';
import type { TensorReader } from '@megakernel/model';
import type { CudaDevice } from './device.js';
import { CudaProgram, type CudaProgramOptions, type UploadProgress } from './device-program.js';
import { CudaClosedError } from './errors.js';

export interface CudaDecoderOptions extends CudaProgramOptions {
  /** Weight upload progress, one call per tensor. */
  readonly onUpload?: (p: UploadProgress) => void;
}

export class CudaDecoder {
  readonly maxSeqLen: number;
  private readonly gpu: CudaProgram;
  private readonly vocab: number;
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
    this.maxSeqLen = program.maxSeqLen;
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
    this.gpu.run({ steps: 1, pos0: this.pos });
    this.pos++;
    return this.gpu.readLogits().subarray(0, this.vocab);
  }

  /**
   * Forgets every token (fresh state and counters); the weights stay on the device. `promptLength`: the
   * next sequence's prompt length, when known (LongRoPE rotates by it, as transformers does).
   */
  reset(promptLength = 0): void {
    this.assertOpen('reset');
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
