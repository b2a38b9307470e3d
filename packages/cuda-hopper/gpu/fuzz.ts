/**
 * GPU fuzzing (issue 12), on the GPU host: random legal programs and random illegal ones on the
 * megakernel, each launch under a watchdog.
 *
 * - Legal: a random small config of the supported families (dims not tile multiples), random
 *   bf16-valued weights, random compile options (queues, attention split, split-K, tile rows,
 *   fused or not, KV dtype). The GPU must run it without a kernel error and match the CPU VM.
 * - Illegal: a compiled program with 1-3 flipped bits or a random byte in its instruction stream,
 *   kept when strict validation or the verifier refuses it (what the loading path does). Then the
 *   GPU backend's own defences: its release-mode check must refuse it before launch, or the kernel
 *   must stop it with a status, or it runs to its end (release-safe); never a hang, a lost device or
 *   an unnamed error. After every illegal case a known-good program must still run correctly on the
 *   same device (a fault that poisoned the context would show there).
 *
 * Usage: node .device/gpu-fuzz.mjs [legal-count] [illegal-count] [seed]. Prints one summary line;
 * exit 1 on any failure.
 */
import {
  PRESETS,
  type Program,
  type RuntimeModelConfig,
  readProgram,
  validateProgram,
  writeProgram,
} from '@megakernel/isa';
import { randomCheckpoint, runProgram } from '@megakernel/reference-cpu';
import { type CompileOptions, compile, verifyProgram } from '@megakernel/scheduler';
import { seededRandom } from '../../../test-support/fuzz.js';
import { CudaDevice, CudaKernelError, CudaProgram, UnsupportedProgramError } from '../src/index.js';
import { relativeError } from './harness.js';

const legalCount = Number(process.argv[2] ?? 1000);
const illegalCount = Number(process.argv[3] ?? 1000);
const seed = Number(process.argv[4] ?? Math.floor(Math.random() * 2 ** 31));
const WATCHDOG_MS = 2000;

const next = seededRandom(seed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));

function randomConfig(): RuntimeModelConfig {
  const gpt2 = next() < 0.3;
  const base = gpt2 ? PRESETS['gpt2-124m'] : PRESETS[pick(['llama-3.2-1b', 'mistral-7b'] as const)];
  const numKvHeads = pick([1, 2, 3]);
  const numHeads = numKvHeads * (gpt2 ? 1 : pick([1, 2, 3]));
  const headDim = pick([8, 12, 16, 24, 32]);
  const hiddenSize = pick([24, 40, 48, 64, 72, 100]);
  return {
    ...base,
    numLayers: int(1, 3),
    hiddenSize,
    intermediateSize: int(16, 160),
    vocabSize: int(40, 300),
    numHeads: gpt2 ? Math.max(1, Math.floor(hiddenSize / headDim)) : numHeads,
    numKvHeads: gpt2 ? Math.max(1, Math.floor(hiddenSize / headDim)) : numKvHeads,
    headDim,
    maxPositionEmbeddings: 64,
    attentionScale: 1 / Math.sqrt(headDim),
    slidingWindow: base.slidingWindow !== null ? int(2, 9) : null,
    partialRotaryFactor: !gpt2 && next() < 0.2 ? 0.5 : 1,
    tieWordEmbeddings: gpt2 || next() < 0.3,
    eosTokenIds: [1],
  };
}

function randomOptions(): Partial<CompileOptions> {
  const fused = next() < 0.8;
  return {
    queues: pick([1, 2, 3, 7, 16, 64, 132]),
    attentionChunks: pick([1, 2, 3, 'auto'] as const),
    splitK: fused ? pick([1, 2, 'auto'] as const) : 1,
    tileRows: pick([8, 16, 32]),
    fused,
    kvDtype: pick(['bf16', 'f32'] as const),
  };
}

const device = CudaDevice.open(0);
const failures: string[] = [];
const legal = { ran: 0, worst: 0, compileRefused: 0 };
const illegal = { formatRefused: 0, stillLegal: 0, refusedBeforeLaunch: 0, kernelStatus: 0, ranToEnd: 0 };

function gpuRun(program: Program, checkpoint: ReturnType<typeof randomCheckpoint>, prompt: number[]) {
  const p = new CudaProgram(device, program, { watchdogMs: WATCHDOG_MS });
  p.uploadWeights(checkpoint);
  return p.runPrompt(prompt);
}

// A known-good program, re-run after every illegal case: the device must still be healthy.
const sentinelCheckpoint = randomCheckpoint(
  {
    ...PRESETS['llama-3.2-1b'],
    numLayers: 2,
    hiddenSize: 64,
    intermediateSize: 96,
    vocabSize: 80,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 16,
    maxPositionEmbeddings: 64,
    attentionScale: 0.25,
    tieWordEmbeddings: false,
    eosTokenIds: [1],
  },
  { seed: 7 },
);
const sentinel = compile(sentinelCheckpoint, { queues: 8, maxSeqLen: 16, attentionChunks: 2, splitK: 2 });
const sentinelPrompt = [3, 5, 7, 11];
const sentinelLogits = runProgram(sentinel, sentinelCheckpoint, sentinelPrompt);

const t0 = performance.now();
const refusals = new Map<string, number>();
for (let i = 0; legal.ran < legalCount && i < 3 * legalCount; i++) {
  const config = randomConfig();
  const options = randomOptions();
  const what = `legal case ${i}: ${JSON.stringify({ ...options, layers: config.numLayers, hidden: config.hiddenSize, heads: config.numHeads, kv: config.numKvHeads, d: config.headDim, window: config.slidingWindow, arch: config.architecture })}`;
  try {
    let program: Program;
    let checkpoint: ReturnType<typeof randomCheckpoint>;
    try {
      checkpoint = randomCheckpoint(config, { seed: i + 1 });
      program = compile(checkpoint, { maxSeqLen: 16, ...options } as CompileOptions);
    } catch (e) {
      // A config or option combination refused by name (counted by reason, printed below).
      legal.compileRefused++;
      const reason = `${(e as Error).name}: ${(e as Error).message.slice(0, 90)}`;
      refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
      continue;
    }
    const prompt = Array.from({ length: int(1, 12) }, () => int(0, config.vocabSize - 1));
    const cpu = runProgram(program, checkpoint, prompt);
    const gpu = gpuRun(program, checkpoint, prompt);
    const e = relativeError(gpu, cpu);
    const tol = options.kvDtype === 'f32' ? 2e-3 : 2e-2;
    legal.worst = Math.max(legal.worst, e);
    if (!(e <= tol)) failures.push(`${what}: GPU vs CPU VM ${e.toExponential(2)} > ${tol}`);
    legal.ran++;
  } catch (e) {
    failures.push(`${what}: ${(e as Error).name}: ${(e as Error).message}`);
  }
}
const legalSeconds = (performance.now() - t0) / 1000;

const t1 = performance.now();
const bases = Array.from({ length: 8 }, (_, i) => {
  const config = randomConfig();
  const checkpoint = randomCheckpoint(config, { seed: 1000 + i });
  const program = compile(checkpoint, { maxSeqLen: 16, queues: pick([3, 8, 16]), attentionChunks: 2 });
  const bytes = writeProgram(program);
  const instructions = program.queues.reduce((n, q) => n + q.byteLength / 64, 0);
  return {
    checkpoint,
    bytes,
    queueStart: bytes.byteLength - instructions * 64,
    instructions,
    vocab: config.vocabSize,
  };
});
let refused = 0;
for (let i = 0; refused < illegalCount && i < 3 * illegalCount; i++) {
  const base = pick(bases);
  const out = new Uint8Array(base.bytes);
  const at = () => base.queueStart + Math.floor(next() * base.instructions * 64);
  if (next() < 0.7) for (let f = int(1, 3); f > 0; f--) out[at()]! ^= 1 << int(0, 7);
  else out[at()] = int(0, 255);
  const what = `illegal case ${i}`;
  let program: Program;
  try {
    program = readProgram(out);
  } catch {
    illegal.formatRefused++;
    continue;
  }
  let refusedByLoader = validateProgram(program, { mode: 'strict' }).length > 0;
  if (!refusedByLoader) {
    try {
      refusedByLoader = !verifyProgram(program).ok;
    } catch {
      refusedByLoader = true;
    }
  }
  if (!refusedByLoader) {
    illegal.stillLegal++;
    continue;
  }
  refused++;
  try {
    gpuRun(program, base.checkpoint, [2, 4, 6]);
    illegal.ranToEnd++;
  } catch (e) {
    if (e instanceof UnsupportedProgramError) illegal.refusedBeforeLaunch++;
    else if (e instanceof CudaKernelError) illegal.kernelStatus++;
    else failures.push(`${what}: ${(e as Error).name}: ${(e as Error).message}`);
  }
  try {
    const e = relativeError(gpuRun(sentinel, sentinelCheckpoint, sentinelPrompt), sentinelLogits);
    if (!(e <= 2e-2)) failures.push(`${what}: the known-good program then gave error ${e.toExponential(2)}`);
  } catch (e) {
    failures.push(`${what}: the known-good program then failed: ${(e as Error).message}`);
    break;
  }
}
const illegalSeconds = (performance.now() - t1) / 1000;

console.log(
  `gpu fuzz: seed ${seed}; legal: ${legal.ran} ran = CPU VM (worst ${legal.worst.toExponential(2)}), ${legal.compileRefused} option sets refused by the scheduler, ${legalSeconds.toFixed(0)} s; ` +
    `illegal: ${refused} refused by strict validation or the verifier (${illegal.formatRefused} refused as files and ${illegal.stillLegal} still legal besides), of which ` +
    `${illegal.refusedBeforeLaunch} refused before launch by the GPU backend, ${illegal.kernelStatus} stopped by the kernel with a status, ` +
    `${illegal.ranToEnd} ran to the end (release-safe), ${illegalSeconds.toFixed(0)} s; ${failures.length} failures`,
);
for (const [reason, n] of refusals) console.log(`scheduler refused ${n}×: ${reason}`);
for (const f of failures.slice(0, 20)) console.log(`FAIL ${f}`);
device.close();
process.exit(failures.length ? 1 : 0);
