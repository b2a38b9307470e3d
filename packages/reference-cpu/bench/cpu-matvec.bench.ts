/**
 * CPU throughput of the reference: matvec at model-shaped sizes, and one GPT-2-124M decode step on
 * random weights (no hub). Not a test; run with `pnpm --filter @megakernel/reference-cpu bench`.
 * A plain hrtime loop: warm-up runs, then the median of timed runs.
 */
import { PRESETS } from '@megakernel/isa';
import { ForwardDecoder, loadDecoderWeights, matvec, randomCheckpoint } from '../src/index.js';

function medianSeconds(fn: () => void, warmup: number, runs: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function randomFill(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0; // LCG: fast, and values do not matter here
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

const fmt = (x: number, digits = 2): string => x.toFixed(digits).padStart(8);

console.log(`node ${process.version}, ${process.arch}`);
console.log('\nmatvec y = W·x (W [N, K] f32, double accumulation)');
console.log('       N       K   median ms   GFLOP/s   GB/s (W)');
const SHAPES: readonly (readonly [number, number])[] = [
  [768, 768],
  [3072, 768],
  [768, 3072],
  [2048, 2048],
  [8192, 2048],
  [50257, 768],
];
for (const [N, K] of SHAPES) {
  const W = randomFill(N * K, N + K);
  const x = randomFill(K, 7);
  const runs = N * K > 2e7 ? 9 : 31;
  const s = medianSeconds(() => matvec(W, x, N, K), 3, runs);
  console.log(
    `${String(N).padStart(8)}${String(K).padStart(8)}   ${fmt(s * 1e3, 3)}   ${fmt((2 * N * K) / s / 1e9)}   ${fmt((4 * N * K) / s / 1e9)}`,
  );
}

const config = PRESETS['gpt2-124m'];
console.log('\nGPT-2 124M decode step (random bf16-valued weights, f32 storage, KV cache)');
const t0 = process.hrtime.bigint();
const weights = loadDecoderWeights(randomCheckpoint(config, { seed: 1 }));
console.log(`weights generated in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
const { hiddenSize: H, intermediateSize: I, vocabSize: V, numLayers: L } = config;
const matvecFlops = 2 * (L * (4 * H * H + 2 * H * I) + V * H);
for (const context of [16, 256]) {
  const decoder = new ForwardDecoder(weights, { maxSeqLen: context + 16 });
  for (let p = 0; p < context; p++) decoder.step(p % 1000);
  let token = 42;
  const s = medianSeconds(
    () => {
      decoder.step(token);
      token = (token * 31 + 7) % 1000;
    },
    2,
    9,
  );
  // Attention adds 4·pos·H per layer (q·k and p·v), small next to the matvecs at these lengths.
  const flops = matvecFlops + L * 4 * (context + 6) * H;
  console.log(
    `context ${String(context).padStart(4)}: ${fmt(s * 1e3, 1)} ms/token   ${fmt(flops / s / 1e9)} GFLOP/s`,
  );
}
