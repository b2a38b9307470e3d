/**
 * Benchmark on the GPU host: Llama-3.2-1B, GPT-2 124M and Mistral-7B shapes (presets), compiled for
 * one queue per SM, random bf16 weights written on the device. ms/token at contexts 128 and 1,024
 * (many steps per launch; also one step per launch), the copy-bandwidth floor measured in the same
 * run, per-opcode timings from the kernel's timing buffer, and the torch.compile baseline read from
 * bench/torch_baseline.py's JSON. Writes <out>/bench.json and prints a table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type DeviceSampling, type Program, preset, variantForContext } from '@megakernel/isa';
import { createRng } from '@megakernel/reference-cpu';
import { compile, compileAttentionVariants } from '@megakernel/scheduler';
import {
  CudaDevice,
  CudaProgram,
  drawWords,
  perTokenTraffic,
  phaseTimeline,
  summariseTimings,
} from '../src/index.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const outDir = arg('out', '.');
const torchFile = arg('torch', '');
const models = arg('models', 'llama-3.2-1b,gpt2-124m,mistral-7b').split(',');
const steps = Number(arg('steps', '32'));
const reps = Number(arg('reps', '5'));
const contexts = arg('contexts', '128,1024').split(',').map(Number);
// Attention chunk counts to compare, e.g. --chunks launch,auto,1,4: 'launch' = the session's programs,
// one per split (compileAttentionVariants), each context timed with the one its launches take;
// 'auto' = one program, the cost model's split at the longest context.
const chunkSettings = arg('chunks', 'launch').split(',');
// Further compile options for scheduler experiments, as JSON (e.g. --options '{"splitK":2}').
const extraOptions = JSON.parse(arg('options', '{}')) as Record<string, unknown>;
// Draw every token with the program's own sampler, e.g. --sampling '{"temperature":0.8,"topK":40,"topP":0.95}'
// (compiles with deviceSampler; also times the host's loop of 32-token launches by the wall clock).
const samplingArg = arg('sampling', '');
const sampling = samplingArg ? (JSON.parse(samplingArg) as DeviceSampling) : undefined;
if (sampling) extraOptions.deviceSampler = true;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const device = CudaDevice.open(0);
const card = device.info.name;
const sms = device.info.smCount;
console.log(`device ${card}, ${sms} SMs`);
const bwSamples = [0, 1, 2].map(() => device.copyBandwidth(2 ** 30, 20));
const copyGBs = median(bwSamples);
console.log(
  `device-to-device copy: ${copyGBs.toFixed(0)} GB/s (read + write), samples ${bwSamples.map((b) => b.toFixed(0)).join(', ')}`,
);

type TorchEntry = {
  model: string;
  context: number;
  ms_per_token: number | null;
  mode: string;
  note?: string;
};
let torch: TorchEntry[] = [];
if (torchFile && fs.existsSync(torchFile)) {
  try {
    torch = (JSON.parse(fs.readFileSync(torchFile, 'utf8')) as { results: TorchEntry[] }).results ?? [];
  } catch (e) {
    console.log(`torch baseline unreadable: ${(e as Error).message}`);
  }
}

interface Row {
  model: string;
  attentionChunks: string;
  context: number;
  pos0: number;
  msPerToken: number;
  msPerTokenOneStepLaunch: number;
  floorMs: number;
  fractionOfFloor: number;
  bytesPerToken: number;
  weightBytes: number;
  kvBytes: number;
  torchMs: number | null;
  torchMode: string | null;
  speedupVsTorch: number | null;
  instructionsPerQueue: { min: number; max: number };
  perOpcode: { opcode: string; count: number; meanUs: number; meanWaitUs: number; busyShare: number }[];
  timedMsPerToken: number;
  phases: { kind: string; firstStart: number; firstReady: number; lastReady: number; lastEnd: number }[];
}
const rows: Row[] = [];

for (const [name, chunks] of models.flatMap((m) => chunkSettings.map((c) => [m, c] as const))) {
  const cfg = preset(name);
  const maxPos = cfg.position === 'learned' ? cfg.maxPositionEmbeddings : Number.POSITIVE_INFINITY;
  const pos0s = contexts.map((c) => Math.min(c, maxPos - steps));
  const maxSeqLen = Math.max(...pos0s) + steps;
  const t0 = performance.now();
  const options = { queues: sms, maxSeqLen, ...extraOptions };
  const variants: { upToContext: number; program: Program }[] =
    chunks === 'launch'
      ? compileAttentionVariants(cfg, options)
      : [
          {
            upToContext: maxSeqLen,
            program: compile(cfg, {
              ...options,
              ...(chunks === 'auto' ? {} : { attentionChunks: Number(chunks) }),
            }),
          },
        ];
  const count = (pr: Program) => pr.queues.reduce((n, q) => n + q.byteLength / 64, 0);
  const chunksOf = (pr: Program) =>
    (pr.meta.tiling as { attentionChunks?: number } | undefined)?.attentionChunks;
  console.log(
    `${name} (attention chunks ${chunks}): compiled in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${variants
      .map(
        (v) => `${count(v.program)} instructions (${chunksOf(v.program)} chunks) to context ${v.upToContext}`,
      )
      .join('; ')}, weights ${(variants[0]!.program.weightBytes / 1e9).toFixed(2)} GB`,
  );
  const p = new CudaProgram(device, variants[0]!.program, { watchdogMs: 5000 });
  p.fillRandomWeights(1);
  for (let ci = 0; ci < contexts.length; ci++) {
    const pos0 = pos0s[ci]!;
    if (pos0s.indexOf(pos0) !== ci) continue; // contexts past a learned-position model's end all clamp to one
    // The program a session's launches from pos0 take (the one whose band holds the launch's last step).
    const program = variantForContext(variants, pos0 + steps).program;
    p.switchProgram(program);
    const lens = program.queues.map((q) => q.byteLength / 64);
    const label = chunks === 'launch' ? `launch: ${chunksOf(program)}` : chunks;
    const prepare = () => {
      p.reset();
      p.setTokens(new Array(pos0 + 1).fill(1));
      if (sampling) {
        p.setSampling(sampling);
        p.setUniforms(0, drawWords(createRng(pos0), maxSeqLen));
      }
    };
    prepare();
    p.run({ steps, pos0 }); // warm-up
    const multi: number[] = [];
    for (let r = 0; r < reps; r++) {
      prepare();
      multi.push(p.run({ steps, pos0 }).elapsedMs / steps);
    }
    const single: number[] = [];
    prepare();
    for (let r = 0; r < Math.min(steps, 16); r++) single.push(p.run({ steps: 1, pos0: pos0 + r }).elapsedMs);
    prepare();
    const timed = p.run({ steps: 4, pos0, timing: true });
    // What a host loop sees: launches of `steps` tokens, each writing its draws and reading its tokens.
    let hostLoopMs: number | null = null;
    let drawn: number[] = [];
    if (sampling) {
      prepare();
      const rng = createRng(9);
      const launches = Math.max(1, Math.min(reps, Math.floor((maxSeqLen - pos0) / steps)));
      const w0 = performance.now();
      for (let i = 0; i < launches; i++) {
        const at = pos0 + i * steps;
        p.setUniforms(at, drawWords(rng, steps));
        p.run({ steps, pos0: at });
        drawn = p.readArgmaxTokens(at, steps);
      }
      hostLoopMs = (performance.now() - w0) / (launches * steps);
    }
    const timingRows = p.timings();
    const summary = summariseTimings(timingRows);
    const phases = phaseTimeline(program, timingRows);
    const busy = summary.reduce((a, s) => a + s.totalNs, 0);
    const traffic = perTokenTraffic(program, pos0);
    const ms = median(multi);
    const floorMs = (traffic.totalBytes / (copyGBs * 1e9)) * 1e3;
    const t = torch.find((e) => e.model === name && e.context === contexts[ci]);
    const torchMs = t?.ms_per_token ?? null;
    rows.push({
      model: name,
      attentionChunks: label,
      context: contexts[ci]!,
      pos0,
      msPerToken: ms,
      msPerTokenOneStepLaunch: median(single),
      floorMs,
      fractionOfFloor: floorMs / ms,
      bytesPerToken: traffic.totalBytes,
      weightBytes: traffic.weightBytes,
      kvBytes: traffic.kvBytes,
      torchMs,
      torchMode: t?.mode ?? null,
      speedupVsTorch: torchMs ? torchMs / ms : null,
      instructionsPerQueue: { min: Math.min(...lens), max: Math.max(...lens) },
      perOpcode: summary.map((s) => ({
        opcode: s.opcode,
        count: s.count / 4,
        meanUs: s.meanNs / 1000,
        meanWaitUs: s.meanWaitNs / 1000,
        busyShare: s.totalNs / busy,
      })),
      timedMsPerToken: timed.elapsedMs / 4,
      ...(sampling
        ? { sampling, hostLoopMsPerToken: hostLoopMs, distinctDrawnTokens: new Set(drawn).size }
        : {}),
      phases: phases.map(({ kind, firstStart, firstReady, lastReady, lastEnd }) => ({
        kind,
        firstStart: firstStart / 1000,
        firstReady: firstReady / 1000,
        lastReady: lastReady / 1000,
        lastEnd: lastEnd / 1000,
      })),
    });
    const r = rows[rows.length - 1]!;
    console.log(
      `${name} (chunks ${label}) ctx ${pos0}: ${ms.toFixed(3)} ms/token (one step per launch ${r.msPerTokenOneStepLaunch.toFixed(3)}${hostLoopMs === null ? '' : `; sampled host loop ${hostLoopMs.toFixed(3)}, ${new Set(drawn).size} distinct of the last ${drawn.length} tokens`}), floor ${floorMs.toFixed(3)} ms, ${(r.fractionOfFloor * 100).toFixed(1)}% of floor${torchMs ? `, torch ${torchMs.toFixed(3)} ms (${r.torchMode}) → ${(torchMs / ms).toFixed(2)}×` : ''}`,
    );
    for (const s of r.perOpcode) {
      console.log(
        `    ${s.opcode.padEnd(26)} ${String(s.count).padStart(6)}/token  mean ${s.meanUs.toFixed(2)} µs  wait ${s.meanWaitUs.toFixed(2)} µs  share ${(s.busyShare * 100).toFixed(1)}%`,
      );
    }
    // A layer as the whole GPU sees it (µs from the layer's first ready tile): first plan, first and last
    // ready (dependencies met), last end of each op.
    console.log('    phase         first start  first ready  last ready   last end');
    for (const ph of phases) {
      const f = (ns: number) => (ns / 1000).toFixed(2).padStart(11);
      console.log(
        `    ${ph.kind.padEnd(12)} ${f(ph.firstStart)}  ${f(ph.firstReady)}  ${f(ph.lastReady)}  ${f(ph.lastEnd)}`,
      );
    }
  }
}

const commitFile = path.join(path.dirname(process.argv[1] ?? '.'), 'commit.txt');
const commit = fs.existsSync(commitFile) ? fs.readFileSync(commitFile, 'utf8').trim() : 'unknown';
const date = new Date().toISOString().slice(0, 10);
const result = {
  card,
  date,
  commit,
  smCount: sms,
  copyBandwidthGBs: copyGBs,
  stepsPerLaunch: steps,
  note: 'ms/token = kernel time (CUDA events) / steps, many decode steps per launch; floor = (weights read + KV read) / measured D2D copy bandwidth (read+write)',
  torchBaseline: torch,
  results: rows,
};
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(
  '\n| model | attention chunks | context | ms/token | card | floor ms | % of floor | torch.compile ms | speed-up |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.model} | ${r.attentionChunks} | ${r.pos0} | ${r.msPerToken.toFixed(3)} | ${card} | ${r.floorMs.toFixed(3)} | ${(r.fractionOfFloor * 100).toFixed(1)}% | ${r.torchMs ? `${r.torchMs.toFixed(3)} (${r.torchMode})` : 'n/a'} | ${r.speedupVsTorch ? `${r.speedupVsTorch.toFixed(2)}×` : 'n/a'} |`,
  );
}
device.close();
