/**
 * Hand-built programs for op tests: inputs are weight tensors (random values served by an in-memory
 * checkpoint), outputs are state tensors, and COPY instructions gather every output into io.logits,
 * so the CPU VM's runProgram and the GPU's runProgramCuda return comparable arrays, one row per
 * position (ops that read `pos`, such as attention, are exercised at every position of the prompt).
 */
import {
  DTYPE_BYTES,
  encodeQueue,
  type Instruction,
  makeInstruction,
  Op,
  PRESETS,
  PROGRAM_FORMAT_VERSION,
  type Program,
  type RuntimeModelConfig,
  type StateInit,
  type TensorDtype,
  type TensorEntry,
} from '@megakernel/isa';
import type { Checkpoint, TensorInfo } from '@megakernel/model';
import { createRng, roundToBf16 } from '@megakernel/reference-cpu';

export interface OpTestProgram {
  readonly program: Program;
  readonly checkpoint: Checkpoint;
}

const ALIGN = 256;

export class OpProgramBuilder {
  readonly tensors: TensorEntry[] = [];
  readonly values = new Map<string, Float32Array>();
  readonly queues: Instruction[][] = [];
  private bytes = { weights: 0, state: 0 };
  private counters = 0;
  private outputs: { id: number; count: number; counter: number; target: number }[] = [];
  private readonly rng: () => number;
  readonly tokens: number;
  readonly argmax: number;
  /** Tokens per step (prefill ops: an instruction's token ranges lie in [0, tokensPerStep)). */
  tokensPerStep = 1;

  constructor(
    readonly maxSeqLen: number,
    seed: number,
    readonly config: Partial<RuntimeModelConfig> = {},
  ) {
    const r = createRng(seed);
    this.rng = () => r.nextFloat() * 2 - 1;
    this.tokens = this.state('tokens', 'i32', [maxSeqLen], { kind: 'minus-one' });
    this.argmax = this.state('argmax', 'u32', [maxSeqLen, 2]);
  }

  private add(
    name: string,
    dtype: TensorDtype,
    shape: number[],
    region: 'weights' | 'state',
    extra: Partial<TensorEntry>,
  ): number {
    const id = this.tensors.length;
    const n = shape.reduce((a, b) => a * b, 1);
    this.tensors.push({
      id,
      name,
      dtype,
      shape,
      region,
      byteOffset: this.bytes[region],
      ...extra,
    } as TensorEntry);
    this.bytes[region] += Math.ceil((n * DTYPE_BYTES[dtype]) / ALIGN) * ALIGN;
    return id;
  }

  /** An input: random values in ±scale (+center), rounded to the dtype so both VMs read the same numbers. */
  input(name: string, dtype: TensorDtype, shape: number[], scale = 1, center = 0): number {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = center + scale * this.rng();
    if (dtype === 'bf16') for (let i = 0; i < n; i++) v[i] = roundToBf16(v[i]!);
    this.values.set(name, v);
    return this.add(name, dtype, shape, 'weights', { source: { kind: 'tensor', name } });
  }

  state(name: string, dtype: TensorDtype, shape: number[], init?: StateInit): number {
    return this.add(name, dtype, shape, 'state', init ? { init } : {});
  }

  counter(): number {
    return this.counters++;
  }

  push(queue: number, inst: Instruction): void {
    while (this.queues.length <= queue) this.queues.push([]);
    this.queues[queue]!.push(inst);
  }

  /** Instruction with fields; `signal`/`wait` set counters (wait targets are per step). */
  inst(opcode: number, fields: Partial<Instruction>): Instruction {
    return makeInstruction(opcode, fields);
  }

  /** Appends `count` elements of tensor `id` to the logits, after counter `after` reached `target` per step. */
  output(id: number, count: number, after: number, target: number): void {
    this.outputs.push({ id, count, counter: after, target });
  }

  build(copyQueue = 0): OpTestProgram {
    const vocab = this.outputs.reduce((n, o) => n + o.count, 0);
    const logits = this.state('logits', 'f32', [vocab]);
    // Step s + 1 may only overwrite what step s's copies read once they are done: every compute
    // instruction without a second wait waits on the previous step's copies.
    const copied = this.counter();
    const copies = this.outputs.length;
    for (const q of this.queues) {
      for (const inst of q) {
        if (inst.wait1Counter !== 0xffff) continue;
        inst.wait1Counter = copied;
        inst.wait1Target = copies;
        inst.syncFlags |= 2;
      }
    }
    let off = 0;
    for (const o of this.outputs) {
      this.push(
        copyQueue,
        makeInstruction(Op.COPY, {
          t0: o.id,
          t1: logits,
          a0: 0,
          a1: off,
          a2: o.count,
          wait0Counter: o.counter,
          wait0Target: o.target,
          signalCounter: copied,
        }),
      );
      off += o.count;
    }
    const base = PRESETS['llama-3.2-1b'];
    const config: RuntimeModelConfig = {
      ...base,
      numLayers: 1,
      hiddenSize: 64,
      intermediateSize: 128,
      numHeads: 4,
      numKvHeads: 2,
      headDim: 16,
      maxPositionEmbeddings: Math.max(4096, this.maxSeqLen),
      ...this.config,
      vocabSize: vocab,
    };
    const program: Program = {
      formatVersion: PROGRAM_FORMAT_VERSION,
      config,
      maxSeqLen: this.maxSeqLen,
      ...(this.tokensPerStep > 1 ? { tokensPerStep: this.tokensPerStep } : {}),
      tensors: this.tensors,
      weightBytes: Math.max(this.bytes.weights, ALIGN),
      stateBytes: this.bytes.state,
      counterCount: this.counters,
      io: { tokens: this.tokens, logits, argmax: this.argmax },
      queues: this.queues.map((q) => encodeQueue(q)),
      meta: { test: true },
    };
    const values = this.values;
    const infos: TensorInfo[] = this.tensors
      .filter((t) => t.region === 'weights')
      .map((t) => ({ name: t.name, dtype: 'F32', shape: t.shape }));
    const checkpoint = {
      dir: 'op-test',
      config,
      rawConfig: {},
      listTensors: () => infos,
      readTensor: (name: string) => {
        const v = values.get(name);
        if (!v) throw new Error(`no tensor ${name}`);
        return v.slice();
      },
      hasWeight: () => false,
      weight: () => {
        throw new Error('op-test checkpoint has no roles');
      },
      weightSource: () => {
        throw new Error('op-test checkpoint has no roles');
      },
      weightShape: () => [],
      close: () => {},
    } as unknown as Checkpoint;
    return { program, checkpoint };
  }
}
