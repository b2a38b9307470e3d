/**
 * Prefill benchmark on the GPU host (issue 10): a preset's prefill program (random bf16 weights written
 * on the device, one queue per SM, bf16 product inputs on the tensor cores) runs a whole prompt in ONE
 * launch of length / T steps; the time is the launch's (CUDA events), the median of --reps. Printed
 * beside the bf16 compute floor (2 x parameters x tokens at --tflops, the card's measured dense rate)
 * and, with --torch, transformers' own prefill of the same prompt from bench/torch_prefill.json.
 * Writes <out>/prefill.json. Also per-opcode SM time of one timed launch (where the time goes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { preset } from '@megakernel/isa';
import { compile } from '@megakernel/scheduler';
import { CudaDevice, CudaProgram, summariseTimings } from '../src/index.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const outDir = arg('out', '.');
const models = arg('models', 'llama-3.2-1b').split(',');
const prompts = arg('prompts', '128,1024').split(',').map(Number);
const tokensPerStep = Number(arg('tokens', '128'));
const reps = Number(arg('reps', '5'));
const tflops = Number(arg('tflops', '790'));
const extraOptions = JSON.parse(arg('options', '{}')) as Record<string, unknown>;
const torchFile = arg('torch', '');
type TorchEntry = { model: string; prompt: number; mode: string; ms: number | null };
const torch: TorchEntry[] =
  torchFile && fs.existsSync(torchFile)
    ? ((JSON.parse(fs.readFileSync(torchFile, 'utf8')) as { results?: TorchEntry[] }).results ?? [])
    : [];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const device = CudaDevice.open(0);
const sms = device.info.smCount;
console.log(`device ${device.info.name}, ${sms} SMs; ${tokensPerStep} tokens per prefill step`);

const rows: Record<string, unknown>[] = [];
for (const name of models) {
  const cfg = preset(name);
  const maxSeqLen = Math.max(...prompts);
  const t0 = performance.now();
  const program = compile(cfg, {
    queues: sms,
    maxSeqLen,
    prefillTokens: tokensPerStep,
    prefillMatmulInputs: 'bf16',
    ...extraOptions,
  });
  const instructions = program.queues.reduce((n, q) => n + q.byteLength / 64, 0);
  console.log(
    `${name}: compiled in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${instructions} instructions a step`,
  );
  const p = new CudaProgram(device, program, { watchdogMs: 20000 });
  p.fillRandomWeights(1);
  // Parameters the products multiply per token (the LM head counted once, as the floor of the issue does).
  const params = program.tensors
    .filter((t) => t.region === 'weights' && t.shape.length === 2 && t.shape[0]! > 2) // not norm rows
    .reduce((n, t) => n + t.shape[0]! * t.shape[1]!, 0);
  for (const prompt of prompts) {
    if (prompt % tokensPerStep !== 0) {
      console.log(`  prompt ${prompt}: not whole steps of ${tokensPerStep}, skipped`);
      continue;
    }
    const steps = prompt / tokensPerStep;
    const times: number[] = [];
    for (let r = 0; r < reps + 1; r++) {
      p.reset(prompt);
      p.setTokens(new Array(prompt).fill(0).map((_, i) => (i * 7 + 3) % cfg.vocabSize));
      const ms = p.run({ steps, pos0: 0 }).elapsedMs;
      if (r > 0) times.push(ms); // the first launch warms up
    }
    p.reset(prompt);
    p.setTokens(new Array(prompt).fill(1));
    p.run({ steps, pos0: 0, timing: true });
    const perOp = summariseTimings(p.timings()).map((o) => ({
      opcode: o.opcode,
      count: o.count,
      smMs: o.totalNs / sms / 1e6,
      meanUs: o.meanNs / 1e3,
      meanWaitUs: o.meanWaitNs / 1e3,
    }));
    const ms = median(times);
    const floorMs = ((2 * params * prompt) / (tflops * 1e12)) * 1e3;
    const t = torch.filter((e) => e.model === name && e.prompt === prompt && e.ms !== null);
    const best = t.length ? t.reduce((a, b) => (a.ms! < b.ms! ? a : b)) : undefined;
    const row = {
      model: name,
      prompt,
      tokensPerStep,
      steps,
      ms,
      samples: times,
      tokensPerSecond: (prompt / ms) * 1e3,
      floorMs,
      fractionOfFloor: floorMs / ms,
      torchMs: best?.ms ?? null,
      torchMode: best?.mode ?? null,
      perOpcode: perOp,
    };
    rows.push(row);
    console.log(
      `  prompt ${prompt}: ${ms.toFixed(3)} ms (${row.tokensPerSecond.toFixed(0)} tok/s), floor ${floorMs.toFixed(3)} ms (${(100 * row.fractionOfFloor).toFixed(1)}%)${best ? `, transformers ${best.mode} ${best.ms!.toFixed(3)} ms` : ''}`,
    );
    for (const o of perOp.sort((a, b) => b.smMs - a.smMs).slice(0, 8))
      console.log(
        `    ${o.opcode.padEnd(22)} ${String(o.count).padStart(7)} x ${o.meanUs.toFixed(2)} us (wait ${o.meanWaitUs.toFixed(2)}) = ${o.smMs.toFixed(3)} ms of SM time`,
      );
  }
}
const commitFile = path.join(path.dirname(process.argv[1] ?? '.'), 'commit.txt');
const commit = fs.existsSync(commitFile) ? fs.readFileSync(commitFile, 'utf8').trim() : 'unknown';
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(
  path.join(outDir, 'prefill.json'),
  JSON.stringify({ card: device.info.name, date: new Date().toISOString(), commit, tflops, rows }, null, 2),
);
