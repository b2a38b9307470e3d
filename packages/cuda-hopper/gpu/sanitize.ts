/**
 * A small program for compute-sanitizer (memcheck, racecheck): a fixture (argv[2], default
 * llama-tiny) on 8 queues, 6 decode steps in one launch and one single-step launch, then 6 tokens
 * drawn by the device sampler in one launch (fused models), then 4 steps of a one-chunk variant of the
 * program switched in over the same state (CudaProgram.switchProgram), then a prefill program (8 tokens
 * a step, its MATMULs on the tensor cores: the kernel's other instance) over 16 tokens. Prints the
 * tokens; exit code 0 when it ran.
 */
import path from 'node:path';
import { loadCheckpoint } from '@megakernel/model';
import { createRng } from '@megakernel/reference-cpu';
import { compile, needsOpChain } from '@megakernel/scheduler';
import { CudaDevice, CudaProgram } from '../src/index.js';

const dir = path.join(
  process.env.MEGAKERNEL_FIXTURES ?? path.join(path.dirname(process.argv[1] ?? '.'), 'fixtures'),
  process.argv[2] ?? 'llama-tiny',
);
const checkpoint = loadCheckpoint(dir);
// Split-K where the model takes the fused ops (not a post-norm model such as OLMo-2).
const options = {
  queues: 8,
  maxSeqLen: 16,
  attentionScratchChunks: 2,
  ...(needsOpChain(checkpoint.config) ? {} : { splitK: 2, deviceSampler: true }),
};
const program = compile(checkpoint, { ...options, attentionChunks: 2 });
const oneChunk = compile(checkpoint, { ...options, attentionChunks: 1 });
const device = CudaDevice.open(0);
const p = new CudaProgram(device, program, { watchdogMs: 60000 });
p.uploadWeights(checkpoint);
const tokens = p.greedy([1, 2, 3], 4);
p.reset();
p.setTokens([5]);
p.run({ steps: 1, pos0: 0 });
// The device sampler (fused models): 6 tokens drawn in one launch.
const sampled =
  program.io.sampling === undefined
    ? []
    : p.sample([1, 2, 3], 6, { temperature: 0.8, topK: 40, topP: 0.95 }, createRng(1));
// Positions 0-3 with the split program, then 4-7 with the one-chunk variant on the same KV cache.
p.reset();
p.setTokens([1, 2, 3, 4, 5, 6, 7, 8]);
p.run({ steps: 4, pos0: 0 });
p.switchProgram(oneChunk);
p.run({ steps: 4, pos0: 4 });
const switched = p.readArgmaxTokens(4, 4);
const decodeLogit = p.readLogits()[0];
// The prefill instance: tensor-core MATMULs (TMA tiles, wgmma) and token rows, two steps of 8.
const prefill = compile(checkpoint, {
  queues: 8,
  maxSeqLen: 16,
  prefillTokens: 8,
  prefillMatmulInputs: 'bf16',
  prefillMatmulRows: 64,
});
const pp = new CudaProgram(device, prefill, { watchdogMs: 60000 });
pp.uploadWeights(checkpoint);
const prefillLogits = pp.runPrefill(Array.from({ length: 16 }, (_, i) => (i * 5 + 1) % 50));
console.log(
  `sanitize run ok (${path.basename(dir)}): greedy ${tokens.join(',')}, sampled ${sampled.join(',')}, switched ${switched.join(',')}, logits[0] ${decodeLogit}, prefill logits[0] ${prefillLogits[0]}`,
);
device.close();
