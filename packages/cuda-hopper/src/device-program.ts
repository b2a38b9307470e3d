/**
 * A program resident on the GPU: its tensor table and queues loaded, weights uploaded (from a
 * checkpoint, one tensor at a time, or random on the device), state initialised. Runs any number of
 * decode steps per launch; counters are never reset between launches, so the epoch carries on.
 */
import {
  buildRopeTable,
  type DeviceSampling,
  DTYPE_BYTES,
  DTYPE_CODES,
  encodeSamplingParams,
  encodeTensorTable,
  INSTRUCTION_BYTES,
  isGreedySampling,
  opcodeInfo,
  type Program,
  sharedStateMismatch,
  stateLayoutMismatch,
  type TensorEntry,
  tensorElementCount,
  tokensPerStep,
} from '@megakernel/isa';
import { materializeWeightSource, type TensorReader } from '@megakernel/model';
import { checkGpuSupport } from './capabilities.js';
import { decodeValues, encodeValues } from './convert.js';
import type { CudaDevice } from './device.js';
import { CudaKernelError } from './errors.js';
import { type InstructionTiming, parseTimings } from './timings.js';

export interface UploadProgress {
  readonly tensor: string;
  readonly index: number;
  readonly count: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface CudaProgramOptions {
  /** Stop the kernel when one dependency wait exceeds this many milliseconds (default 2000). */
  readonly watchdogMs?: number;
}

export interface RunOptions {
  readonly steps: number;
  /** Position of the first step's token. */
  readonly pos0: number;
  /** Record per-instruction timings (read them with `timings`). */
  readonly timing?: boolean;
}

export interface RunInfo {
  /** Kernel time measured with CUDA events, ms. */
  readonly elapsedMs: number;
  readonly steps: number;
}

/** Where the device sampler's uniform words come from: reference-cpu's Rng is one. */
export interface UniformDraws {
  nextUniformWords(): [number, number];
}

/** n pairs of uniform words, in draw order. */
export function drawWords(draws: UniformDraws, n: number): Uint32Array {
  const words = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) words.set(draws.nextUniformWords(), 2 * i);
  return words;
}

const owners = new WeakMap<CudaDevice, CudaProgram>();

/**
 * Images of programs that passed checkGpuSupport on a GPU of some SM count: a session switching between
 * a prefill program and its decode programs checks and encodes each once (checking a Llama-3.2-1B
 * prefill program takes hundreds of milliseconds, which would land in every time to first token).
 */
const checkedImages = new WeakMap<Program, { smCount: number; image: ReturnType<typeof encodeImage> }>();

export function programImage(program: Program, smCount: number) {
  const known = checkedImages.get(program);
  if (known && known.smCount === smCount) return known.image;
  checkGpuSupport(program, smCount);
  const image = encodeImage(program);
  checkedImages.set(program, { smCount, image });
  return image;
}

/** The tensor table and the queues of `program`, as loadProgram and swapQueues take them. */
function encodeImage(program: Program) {
  const queueLens = Uint32Array.from(program.queues, (q) => q.byteLength / INSTRUCTION_BYTES);
  const queues = new Uint8Array(program.queues.reduce((n, q) => n + q.byteLength, 0));
  let o = 0;
  for (const q of program.queues) {
    queues.set(q, o);
    o += q.byteLength;
  }
  return { table: encodeTensorTable(program.tensors), queues, queueLens };
}

export class CudaProgram {
  private current: Program;
  readonly device: CudaDevice;
  watchdogMs: number;
  private epoch = 0;
  private lastSteps = 0;
  private faulted = false;

  /** Loads `program` onto `device` (replacing whatever program it held). */
  constructor(device: CudaDevice, program: Program, options: CudaProgramOptions = {}) {
    const image = programImage(program, device.info.smCount);
    this.device = device;
    this.current = program;
    this.watchdogMs = options.watchdogMs ?? 2000;
    device.native.allocWeights(program.weightBytes);
    device.native.loadProgram(
      image.table,
      image.queues,
      image.queueLens,
      program.counterCount,
      program.stateBytes,
    );
    owners.set(device, this);
    this.reset();
  }

  /** The program the next launch runs (the constructor's, or the last switchProgram's). */
  get program(): Program {
    return this.current;
  }

  /**
   * Runs the next launches with `program`, another decode program of the model on the same state
   * layout (an attention variant; isa's stateLayoutMismatch) or a prefill program placed on this
   * state (isa's sharedStateMismatch): the weights, KV cache and every other
   * state tensor stay where they are, its counters start at 0. The CPU VM's twin is
   * VmDecoder.switchProgram.
   */
  switchProgram(program: Program): void {
    if (program === this.current) return;
    // An attention variant, or a prefill program placed on the decode program's state (and back).
    const mismatch = stateLayoutMismatch(this.current, program) && sharedStateMismatch(this.current, program);
    if (mismatch) throw new Error(`switchProgram: not the same state layout (${mismatch})`);
    const image = programImage(program, this.device.info.smCount);
    this.native().swapQueues(
      image.table,
      image.queues,
      image.queueLens,
      program.counterCount,
      program.stateBytes,
    );
    this.current = program;
    this.epoch = 0;
  }

  private native() {
    if (owners.get(this.device) !== this)
      throw new Error('another program was loaded onto this CUDA device handle since');
    // Throws CudaClosedError once the device handle is closed.
    return this.device.native;
  }

  get weightTensors(): TensorEntry[] {
    return this.program.tensors.filter((t) => t.region === 'weights');
  }

  /** Materialises each weight tensor from the checkpoint (one at a time), converts it and uploads it. */
  uploadWeights(checkpoint: TensorReader, onProgress?: (p: UploadProgress) => void): void {
    const native = this.native();
    const weights = this.weightTensors;
    const bytesTotal = weights.reduce((n, t) => n + tensorElementCount(t) * DTYPE_BYTES[t.dtype], 0);
    let bytesDone = 0;
    weights.forEach((t, index) => {
      if (!t.source) throw new Error(`weight tensor ${t.id} '${t.name}' has no source`);
      const values = materializeWeightSource(checkpoint, t.source);
      const n = tensorElementCount(t);
      if (values.length !== n) {
        throw new Error(
          `weight tensor '${t.name}': source gives ${values.length} values, the table says ${n}`,
        );
      }
      const bytes = encodeValues(values, t.dtype);
      native.writeWeights(t.byteOffset, bytes);
      bytesDone += bytes.byteLength;
      onProgress?.({ tensor: t.name, index, count: weights.length, bytesDone, bytesTotal });
    });
  }

  /**
   * Deterministic random weights written on the device (benchmarks): matrices uniform in
   * ±1/sqrt(K), norm gammas 1 ± 0.02, vectors ±0.02, so activations stay finite through the layers.
   */
  fillRandomWeights(seed = 1): void {
    const native = this.native();
    this.weightTensors.forEach((t, i) => {
      if (t.dtype !== 'bf16' && t.dtype !== 'f32' && t.dtype !== 'f16') return;
      const n = tensorElementCount(t);
      const isNorm = /norm/i.test(t.name);
      const isMatrix = t.shape.length === 2 && !isNorm;
      const scale = isMatrix ? 1 / Math.sqrt(t.shape[1]!) : 0.02;
      native.fillWeightsRandom(
        t.byteOffset,
        n,
        DTYPE_CODES[t.dtype],
        (seed * 7919 + i) >>> 0,
        scale,
        isNorm ? 1 : 0,
      );
    });
  }

  /**
   * Zeroes the state arena, applies every state tensor's init, zeroes the counters (epoch 0).
   * `promptLength`: the next sequence's prompt length, when known (LongRoPE's RoPE table depends on it).
   */
  reset(promptLength = 0): void {
    const native = this.native();
    native.fillState(0, this.program.stateBytes, 0);
    for (const t of this.program.tensors) {
      if (t.region !== 'state' || !t.init) continue;
      const bytes = tensorElementCount(t) * DTYPE_BYTES[t.dtype];
      if (t.init.kind === 'minus-one') native.fillState(t.byteOffset, bytes, 0xff);
      else if (t.init.kind === 'rope-table') {
        const table = buildRopeTable(this.program.config, t.shape[0] ?? 0, promptLength);
        if (table.length !== tensorElementCount(t)) {
          throw new Error(
            `rope table '${t.name}': ${table.length} values for ${tensorElementCount(t)} elements`,
          );
        }
        native.writeState(t.byteOffset, encodeValues(table, t.dtype));
      }
    }
    native.zeroCounters();
    this.epoch = 0;
    this.faulted = false;
  }

  /** The argmax keys of positions [from, to) back to their reset value (zero). */
  clearArgmaxKeys(from: number, to: number): void {
    const t = this.program.tensors[this.program.io.argmax]!;
    const perPosition = (tensorElementCount(t) / this.program.maxSeqLen) * DTYPE_BYTES[t.dtype];
    if (from < 0 || to > this.program.maxSeqLen || from > to)
      throw new RangeError('clearArgmaxKeys: past the keys');
    if (to > from) this.native().fillState(t.byteOffset + from * perPosition, (to - from) * perPosition, 0);
  }

  /** tokens[from ..] = ids (the rest keep their values; -1 means "continue from the argmax"). */
  setTokens(ids: readonly number[], from = 0): void {
    const t = this.program.tensors[this.program.io.tokens]!;
    if (from + ids.length > tensorElementCount(t)) throw new RangeError('setTokens: past the token buffer');
    this.native().writeState(t.byteOffset + from * 4, Int32Array.from(ids));
  }

  /** Runs `steps` decode steps from pos0 in one launch; throws CudaKernelError if the kernel stopped itself. */
  run(opts: RunOptions): RunInfo {
    if (this.faulted) throw new Error('the previous launch faulted; call reset() first');
    const { steps, pos0 } = opts;
    const T = tokensPerStep(this.program);
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps = ${steps}`);
    if (!Number.isInteger(pos0) || pos0 < 0 || pos0 + steps * T > this.program.maxSeqLen) {
      throw new RangeError(
        `positions ${pos0}..${pos0 + steps * T - 1} exceed maxSeqLen ${this.program.maxSeqLen}`,
      );
    }
    const r = this.native().run(
      steps,
      pos0,
      this.epoch,
      opts.timing ?? false,
      Math.round(this.watchdogMs * 1e6),
      T,
    );
    this.epoch += steps;
    this.lastSteps = steps;
    if (r.status.code !== 0) {
      this.faulted = true;
      const inst = this.program.queues[r.status.queue];
      const opcode = inst ? (opcodeInfo(r.status.opcode)?.name ?? `0x${r.status.opcode.toString(16)}`) : '?';
      throw new CudaKernelError(r.status, opcode);
    }
    return { elapsedMs: r.elapsedMs, steps };
  }

  /** A tensor's current values as f32 (integers converted). */
  readTensor(id: number): Float32Array {
    const t = this.program.tensors[id]!;
    const bytes = tensorElementCount(t) * DTYPE_BYTES[t.dtype];
    const raw =
      t.region === 'state'
        ? this.native().readState(t.byteOffset, bytes)
        : this.native().readWeights(t.byteOffset, bytes);
    // f32 straight from the fresh buffer the addon returned: a copy of a 128k-entry logits vector
    // cost the one-launch-per-token path about a millisecond a token.
    if (t.dtype === 'f32' && raw.byteOffset % 4 === 0)
      return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    return decodeValues(raw, t.dtype);
  }

  /** A u32 state tensor's words as stored (readTensor would round them through f32). */
  readWords(id: number): Uint32Array {
    const t = this.program.tensors[id]!;
    if (t.region !== 'state' || t.dtype !== 'u32')
      throw new Error(`readWords '${t.name}': not a u32 state tensor`);
    const raw = this.native().readState(t.byteOffset, tensorElementCount(t) * 4);
    return new Uint32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  }

  /** Writes f32 values into a tensor, converted to its dtype. */
  writeTensor(id: number, values: Float32Array): void {
    const t = this.program.tensors[id]!;
    if (values.length !== tensorElementCount(t))
      throw new RangeError(`writeTensor '${t.name}': wrong length`);
    const bytes = encodeValues(values, t.dtype);
    if (t.region === 'state') this.native().writeState(t.byteOffset, bytes);
    else this.native().writeWeights(t.byteOffset, bytes);
  }

  readLogits(): Float32Array {
    return this.readTensor(this.program.io.logits);
  }

  /** The argmax tokens of positions [from, from + count) (-1 where no key was folded). */
  readArgmaxTokens(from: number, count: number): number[] {
    const t = this.program.tensors[this.program.io.argmax]!;
    const raw = this.native().readState(t.byteOffset + from * 8, count * 8);
    const words = new Uint32Array(raw.buffer, raw.byteOffset, count * 2);
    return Array.from({ length: count }, (_, i) =>
      words[2 * i] === 0 && words[2 * i + 1] === 0 ? -1 : (0xffffffff - words[2 * i]!) >>> 0,
    );
  }

  readCounters(): Uint32Array {
    return this.native().readCounters(this.program.counterCount);
  }

  /** Per-instruction timings of the last run made with `timing: true`. */
  timings(): InstructionTiming[] {
    return parseTimings(this.program, this.native().readTimings(), this.lastSteps);
  }

  /** Logits [T * vocab] for each position of the prompt (one launch per position, as the CPU VM reads them). */
  runPrompt(inputIds: readonly number[]): Float32Array {
    const vocab = this.program.config.vocabSize;
    this.reset(inputIds.length);
    this.setTokens(inputIds);
    const out = new Float32Array(inputIds.length * vocab);
    for (let pos = 0; pos < inputIds.length; pos++) {
      this.run({ steps: 1, pos0: pos });
      out.set(this.readLogits().subarray(0, vocab), pos * vocab);
    }
    return out;
  }

  /**
   * A prefill program over a prompt, one launch per step of tokensPerStep tokens (the prompt a whole
   * number of steps), as reference-cpu's runPrefill: the logits after each step, every position's
   * ([length, vocab]) when compiled with prefillLogits 'all', else each step's last ([steps, vocab]).
   */
  runPrefill(inputIds: readonly number[]): Float32Array {
    const T = tokensPerStep(this.program);
    if (inputIds.length === 0 || inputIds.length % T !== 0)
      throw new RangeError(`a prompt of ${inputIds.length} tokens is not whole steps of ${T} tokens`);
    const logits = this.program.tensors[this.program.io.logits]!;
    const rows = tensorElementCount(logits) / this.program.config.vocabSize;
    this.reset(inputIds.length);
    this.setTokens(inputIds);
    const steps = inputIds.length / T;
    const out = new Float32Array(steps * rows * this.program.config.vocabSize);
    for (let s = 0; s < steps; s++) {
      this.run({ steps: 1, pos0: s * T });
      out.set(this.readLogits(), s * rows * this.program.config.vocabSize);
    }
    return out;
  }

  /** SAMPLE's parameter words (programs compiled with deviceSampler); greedy settings leave the argmax. */
  setSampling(sampling: DeviceSampling): void {
    this.native().writeState(this.samplerTensor('sampling').byteOffset, encodeSamplingParams(sampling));
  }

  /** The uniform draw words of positions [from, from + pairs / 2), two u32 each. */
  setUniforms(from: number, words: Uint32Array): void {
    const t = this.samplerTensor('uniforms');
    if (words.length % 2 !== 0 || (from + words.length / 2) * 2 > tensorElementCount(t))
      throw new RangeError('setUniforms: past the uniforms buffer');
    this.native().writeState(t.byteOffset + from * 8, words);
  }

  /**
   * n tokens drawn by the program's own sampler in ONE launch (as reference-cpu's runSampled): the
   * sampling words, then one pair of uniform words per drawn token from `draws` (none when greedy).
   */
  sample(inputIds: readonly number[], n: number, sampling: DeviceSampling, draws: UniformDraws): number[] {
    const T = inputIds.length;
    this.reset(T);
    this.setTokens(inputIds);
    this.setSampling(sampling);
    if (!isGreedySampling(sampling)) this.setUniforms(T - 1, drawWords(draws, n));
    this.run({ steps: T + n - 1, pos0: 0 });
    return this.readArgmaxTokens(T - 1, n);
  }

  private samplerTensor(key: 'sampling' | 'uniforms'): TensorEntry {
    const id = this.program.io[key];
    if (id === undefined)
      throw new Error('the program has no device sampler (compile it with deviceSampler)');
    return this.program.tensors[id]!;
  }

  /** Greedy continuation of n tokens in ONE launch: the program feeds its own argmax back (embedFromArgmax). */
  greedy(inputIds: readonly number[], n: number): number[] {
    const T = inputIds.length;
    this.reset(T);
    this.setTokens(inputIds);
    this.run({ steps: T + n - 1, pos0: 0 });
    return this.readArgmaxTokens(T - 1, n);
  }
}
