/**
 * GPU tests, bundled into .device/gpu-tests.mjs and run on the GPU host: every op against the CPU VM
 * on random inputs; every fixture's program against the CPU VM (logits) and transformers (greedy
 * tokens) over varied queue counts and assignments; 1,000 consecutive launches; the watchdog; and
 * rejection of programs the kernel cannot run. Without a GPU it runs the CPU half and skips the rest.
 * Closes with `N passed, N failed` and exits non-zero on any failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeInstruction, Op, type Program } from '@megakernel/isa';
import { type Checkpoint, loadCheckpoint, openSafetensors } from '@megakernel/model';
import { createRng, runGreedy, runPrefill, runProgram } from '@megakernel/reference-cpu';
import {
  type CompileOptions,
  compile,
  compileAttentionVariants,
  needsOpChain,
  placePrefillOnVariants,
} from '@megakernel/scheduler';
import {
  CudaClosedError,
  CudaDecoder,
  CudaDevice,
  CudaKernelError,
  CudaProgram,
  DEFAULT_QUEUES,
  drawWords,
  gpuSupportProblems,
  greedyCuda,
  probeCuda,
  runProgramCuda,
  summariseTimings,
  UnsupportedProgramError,
} from '../src/index.js';
import { argmaxExcept, assert, Harness, relativeError } from './harness.js';
import { opCases } from './op-cases.js';
import { OpProgramBuilder } from './op-program.js';
import { checkSamplerOp, hostDraw, SAMPLING_SETTINGS, samplerOpProgram } from './sampler-cases.js';
import { diffTensors } from './tensor-diff.js';

const h = new Harness();
const probe = probeCuda();
const noGpu = probe.available ? undefined : `no GPU (${probe.reason})`;
console.log(
  `megakernel GPU tests; probe: ${JSON.stringify({ ...probe, devices: probe.devices.map((d) => d.name) })}`,
);
// The release workflow runs these tests on the binary it is about to publish and names it in
// MEGAKERNEL_CUDA_ADDON: they count only if they ran on that very file, not on a fallback.
const addonUnderTest = process.env.MEGAKERNEL_CUDA_ADDON;
if (addonUnderTest) {
  await h.test('the addon under test is the one MEGAKERNEL_CUDA_ADDON names', () => {
    assert(
      probe.addonPath === path.resolve(addonUnderTest),
      `loaded ${probe.addonPath ?? 'none'}: ${probe.reason ?? ''}`,
    );
    return probe.addonPath;
  });
}
const device = probe.available ? CudaDevice.open(0) : undefined;
const sms = device?.info.smCount ?? DEFAULT_QUEUES;
if (device) console.log(`device: ${device.info.name}, ${sms} SMs, cc ${device.info.computeCapability}`);

function fixturesDir(): string {
  const candidates = [
    process.env.MEGAKERNEL_FIXTURES,
    path.join(path.dirname(process.argv[1] ?? '.'), 'fixtures'),
    'fixtures',
  ];
  for (const c of candidates) if (c && fs.existsSync(path.join(c, 'llama-tiny'))) return c;
  throw new Error('fixtures not found (set MEGAKERNEL_FIXTURES)');
}

// ---- ops against the CPU VM ----
for (const c of opCases()) {
  const { program, checkpoint } = c.build();
  const prompt = Array.from({ length: c.positions }, (_, i) => (i * 7 + 3) % 50);
  let cpu: Float32Array | undefined;
  await h.test(`op ${c.name}: CPU side builds, validates and runs`, () => {
    const problems = gpuSupportProblems(program, sms);
    assert(problems.length === 0, problems.join('; '));
    cpu = runProgram(program, checkpoint, prompt);
    return `${cpu.length} values, max |v| ${cpu.reduce((m, v) => Math.max(m, Math.abs(v)), 0).toPrecision(3)}`;
  });
  await h.test(
    `op ${c.name}: GPU = CPU VM (tol ${c.tol})`,
    () => {
      assert(cpu, 'no CPU result');
      const p = new CudaProgram(device!, program, { watchdogMs: 2000 });
      p.uploadWeights(checkpoint);
      const gpu = p.runPrompt(prompt);
      const vocab = program.config.vocabSize;
      let worst = 0;
      for (let pos = 0; pos < c.positions; pos++) {
        const e = relativeError(
          gpu.subarray(pos * vocab, (pos + 1) * vocab),
          cpu.subarray(pos * vocab, (pos + 1) * vocab),
        );
        worst = Math.max(worst, e);
        assert(e <= c.tol, `pos ${pos}: relative error ${e.toExponential(2)} > ${c.tol}`);
      }
      if (c.argmax) {
        const got = p.readArgmaxTokens(0, c.positions);
        for (let pos = 0; pos < c.positions; pos++) {
          const want = argmaxExcept(cpu, pos * vocab + c.argmax.offset, c.argmax.count, c.argmax.suppress);
          assert(got[pos] === want, `pos ${pos}: argmax ${got[pos]} != ${want}`);
        }
      }
      return `max relative error ${worst.toExponential(2)}`;
    },
    noGpu,
  );
}

// ---- whole programs of every fixture ----
interface Reference {
  readonly inputIds: number[];
  readonly greedy: number[];
}
function readReference(dir: string): Reference {
  const ref = openSafetensors(path.join(dir, 'reference.safetensors'));
  try {
    const ids = (t: string): number[] => Array.from(ref.readTyped(t) as BigInt64Array, Number);
    return { inputIds: ids('input_ids'), greedy: ids('greedy') };
  } finally {
    ref.close();
  }
}

let fixtures: string[] = [];
let fdir = '';
await h.test('fixtures are present', () => {
  fdir = fixturesDir();
  fixtures = fs
    .readdirSync(fdir)
    .filter((f) => fs.existsSync(path.join(fdir, f, 'config.json')))
    .sort();
  assert(fixtures.length >= 4, `only ${fixtures.length} fixtures in ${fdir}`);
  return fixtures.join(', ');
});

const variants: { label: string; options: Partial<CompileOptions> }[] = [
  { label: `queues=${sms}`, options: { queues: sms } },
  { label: 'queues=1', options: { queues: 1 } },
  { label: 'queues=5 round-robin', options: { queues: 5, assignment: 'round-robin' } },
  { label: 'queues=16 chunks=3 splitK=2', options: { queues: 16, attentionChunks: 3, splitK: 2 } },
  { label: `queues=${sms} kv=f32`, options: { queues: sms, kvDtype: 'f32' } },
];

/** A fixture's checkpoint, reference, prompt length T, greedy length n and the end-of-text id greedy skips. */
function fixtureCase(name: string) {
  const dir = path.join(fdir, name);
  const checkpoint = loadCheckpoint(dir);
  const ref = readReference(dir);
  const eos = checkpoint.config.eosTokenIds.filter((t) => t < checkpoint.config.vocabSize);
  return {
    checkpoint,
    ref,
    T: ref.inputIds.length,
    n: ref.greedy.length,
    suppressToken: eos[0] ?? 0xffffffff,
  };
}

for (const name of fixtures) {
  const { checkpoint, ref, T, n, suppressToken } = fixtureCase(name);
  for (const variant of variants) {
    // Split-K needs the fused ops, which OLMo-2 and Gemma 2 do not take (scheduler needsOpChain): the same
    // shape without it.
    const { splitK: _, ...noSplit } = variant.options;
    const v =
      needsOpChain(checkpoint.config) && variant.options.splitK !== undefined
        ? { label: variant.label.replace(' splitK=2', ''), options: noSplit }
        : variant;
    const label = `${name} [${v.label}]`;
    let program: Program | undefined;
    let cpu: Float32Array | undefined;
    await h.test(`program ${label}: compiles and runs on the CPU VM`, () => {
      program = compile(checkpoint, { maxSeqLen: T + n, suppressToken, ...v.options } as CompileOptions);
      const problems = gpuSupportProblems(program, sms);
      assert(problems.length === 0, problems.join('; '));
      cpu = runProgram(program, checkpoint, ref.inputIds);
      return `${program.queues.length} queues, ${program.queues.reduce((a, q) => a + q.byteLength / 64, 0)} instructions`;
    });
    // bf16 KV: the two VMs round the same K/V values to bf16 unless fp32 accumulation order flips a
    // rounding (one bf16 ulp = 0.4%), which then propagates; f32 KV leaves only accumulation order.
    const tol = v.options.kvDtype === 'f32' ? 2e-3 : 2e-2;
    await h.test(
      `program ${label}: GPU logits = CPU VM logits (tol ${tol})`,
      () => {
        assert(program && cpu, 'no program');
        const gpu = runProgramCuda(program, checkpoint, ref.inputIds, { device: device! });
        const e = relativeError(gpu, cpu);
        assert(e <= tol, `relative error ${e.toExponential(2)} > ${tol}`);
        return `relative error ${e.toExponential(2)}`;
      },
      noGpu,
    );
    await h.test(
      `program ${label}: greedy in one launch = transformers and = CPU VM`,
      () => {
        assert(program, 'no program');
        const gpu = greedyCuda(program, checkpoint, ref.inputIds, n, { device: device! });
        const cpuTokens = runGreedy(program, checkpoint, ref.inputIds, n);
        const same = gpu.filter((t, i) => t === ref.greedy[i]).length;
        assert(
          same === n,
          `${same}/${n} tokens equal transformers': ${gpu.join(',')} vs ${ref.greedy.join(',')}`,
        );
        assert(gpu.join() === cpuTokens.join(), 'GPU and CPU VM greedy tokens differ');
        return `${n}/${n} tokens`;
      },
      noGpu,
    );
  }
}

// ---- prefill programs: T prompt tokens a step, MATMUL on the tensor cores (bf16 inputs) or CUDA cores ----
// Both VMs run the same program, so with bf16 product inputs they round the same values to bf16 unless
// fp32 accumulation order flips a rounding (one bf16 ulp, 0.4%), which then propagates (as with a bf16
// KV cache: 2e-2); with f32 inputs and KV only accumulation order differs (2e-3).
/** The checkpoint with more positions (RoPE models only): long prompts on the tiny fixtures. */
function withPositions(checkpoint: Checkpoint, n: number): Checkpoint {
  const config = { ...checkpoint.config, maxPositionEmbeddings: n };
  return new Proxy(checkpoint, {
    get(target, key) {
      if (key === 'config') return config;
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
const promptOf = (length: number, vocab: number): number[] =>
  Array.from({ length }, (_, i) => (i * 7 + 3) % vocab);
const prefillCases: { label: string; tokens: number; length: number; options: Partial<CompileOptions> }[] = [
  {
    label: 'T=7, 2 steps, bf16 inputs, every logit',
    tokens: 7,
    length: 14,
    options: { prefillLogits: 'all', prefillMatmulInputs: 'bf16' },
  },
  {
    label: 'T=7, 2 steps, f32 inputs and KV, queues=5, every logit',
    tokens: 7,
    length: 14,
    options: { queues: 5, kvDtype: 'f32', prefillLogits: 'all' },
  },
  { label: 'T=1, bf16 inputs', tokens: 1, length: 1, options: { prefillMatmulInputs: 'bf16' } },
  {
    label: 'T=64, bf16 inputs, every logit',
    tokens: 64,
    length: 64,
    options: { prefillLogits: 'all', prefillMatmulInputs: 'bf16' },
  },
];
for (const name of fixtures) {
  const { checkpoint, ref, suppressToken } = fixtureCase(name);
  const vocab = checkpoint.config.vocabSize;
  const cases = [
    ...prefillCases.map((c) => ({ ...c, checkpoint, prompt: promptOf(c.length, vocab) })),
    // The reference prompt in one step: the first greedy token is transformers'.
    {
      label: `the reference prompt in one step of ${ref.inputIds.length}`,
      tokens: ref.inputIds.length,
      length: ref.inputIds.length,
      options: { prefillMatmulInputs: 'bf16' as const },
      checkpoint,
      prompt: ref.inputIds,
      first: ref.greedy[0],
    },
    // Long prompts where the positions can be extended (RoPE): 700 and 2,048 tokens, tiles split at 128.
    ...(['llama-tiny', 'mistral-tiny-swa'].includes(name)
      ? [
          {
            label: '700 tokens, 4 steps of 175',
            tokens: 175,
            length: 700,
            options: { prefillMatmulInputs: 'bf16' as const },
            checkpoint: withPositions(checkpoint, 4096),
            prompt: promptOf(700, vocab),
          },
          {
            label: '2,048 tokens, 8 steps of 256',
            tokens: 256,
            length: 2048,
            options: { prefillMatmulInputs: 'bf16' as const },
            checkpoint: withPositions(checkpoint, 4096),
            prompt: promptOf(2048, vocab),
          },
        ]
      : []),
  ];
  for (const c of cases) {
    const label = `prefill ${name} [${c.label}]`;
    let program: Program | undefined;
    let cpu: Float32Array | undefined;
    await h.test(`${label}: compiles and runs on the CPU VM`, () => {
      program = compile(c.checkpoint, {
        queues: sms,
        maxSeqLen: c.length,
        prefillTokens: c.tokens,
        suppressToken,
        ...c.options,
      } as CompileOptions);
      const problems = gpuSupportProblems(program, sms);
      assert(problems.length === 0, problems.join('; '));
      cpu = runPrefill(program, c.checkpoint, c.prompt);
      return `${program.queues.reduce((a, q) => a + q.byteLength / 64, 0)} instructions`;
    });
    const f32 = c.options.prefillMatmulInputs !== 'bf16' && c.options.kvDtype === 'f32';
    const tol = f32 ? 2e-3 : 2e-2;
    await h.test(
      `${label}: GPU logits = CPU VM logits (tol ${tol})${'first' in c ? ", first token = transformers'" : ''}`,
      () => {
        assert(program && cpu, 'no program');
        const p = new CudaProgram(device!, program, { watchdogMs: 5000 });
        p.uploadWeights(c.checkpoint);
        const gpu = p.runPrefill(c.prompt);
        const e = relativeError(gpu, cpu);
        assert(e <= tol, `relative error ${e.toExponential(2)} > ${tol}`);
        if ('first' in c) {
          const last = gpu.subarray(gpu.length - vocab);
          const token = argmaxExcept(last, 0, vocab, [suppressToken]);
          assert(token === c.first, `first token ${token}, transformers' ${c.first}`);
        }
        return `relative error ${e.toExponential(2)}`;
      },
      noGpu,
    );
  }
}

// ---- a decode session with a GPU prefill program on its state (the runtime's GPU session) ----
// The prompt but its last token goes through the prefill program (4 or 5 tokens a step, so the last step
// is padded on most fixtures), the last through the decode program; f32 KV on both, bf16 product inputs
// in the prefill, so the logits stay within the bf16 tolerance of the prefill cases above (2e-2).
for (const name of fixtures) {
  const { checkpoint, ref, T, n, suppressToken } = fixtureCase(name);
  const sampler = !needsOpChain(checkpoint.config);
  const maxSeqLen = T + n + 8;
  const variants = compileAttentionVariants(checkpoint, {
    queues: sms,
    maxSeqLen,
    kvDtype: 'f32',
    suppressToken,
    deviceSampler: sampler,
  } as CompileOptions);
  const decodeLogits = runProgram(variants[0]!.program, checkpoint, ref.inputIds);
  const vocab = checkpoint.config.vocabSize;
  const want = decodeLogits.subarray((T - 1) * vocab, T * vocab);
  for (const tokens of [4, 5]) {
    const placed = placePrefillOnVariants(
      variants,
      compile(checkpoint, {
        queues: sms,
        maxSeqLen,
        kvDtype: 'f32',
        suppressToken,
        prefillTokens: tokens,
        prefillMatmulInputs: 'bf16',
        prefillMatmulRows: 64,
      } as CompileOptions),
    );
    const session = () =>
      new CudaDecoder(CudaDevice.open(0), placed.variants[0]!.program, checkpoint, {
        variants: placed.variants,
        prefill: placed.prefill,
      });
    await h.test(
      `GPU prefill session ${name} (${tokens} tokens a step): prompt logits = CPU VM decode (tol 2e-2), host greedy = transformers'`,
      () => {
        const decoder = session();
        try {
          decoder.reset(T);
          let logits = decoder.prefill(ref.inputIds);
          assert(decoder.position === T, `position ${decoder.position} after a prompt of ${T}`);
          const e = relativeError(logits, want);
          assert(e <= 2e-2, `relative error ${e.toExponential(2)} > 2e-2`);
          const got: number[] = [];
          for (let i = 0; i < n; i++) {
            got.push(argmaxExcept(logits, 0, vocab, [suppressToken]));
            if (i < n - 1) logits = decoder.step(got.at(-1)!);
          }
          assert(got.join() === ref.greedy.join(), `${got.join(',')} vs ${ref.greedy.join(',')}`);
          return `relative error ${e.toExponential(2)}, ${n}/${n} tokens`;
        } finally {
          decoder.close();
        }
      },
      noGpu,
    );
    if (!sampler) continue;
    await h.test(
      `GPU prefill session ${name} (${tokens} tokens a step): the prompt then greedy drawn on the device = transformers'`,
      () => {
        const decoder = session();
        try {
          decoder.reset(T);
          const greedy = { temperature: 0, topK: 1, topP: 1 };
          const got = decoder.sampleOnDevice(ref.inputIds, n, greedy, createRng(1));
          assert(got.join() === ref.greedy.join(), `${got.join(',')} vs ${ref.greedy.join(',')}`);
          return `${n}/${n} tokens`;
        } finally {
          decoder.close();
        }
      },
      noGpu,
    );
  }
}

// ---- the device sampler: candidate keys and SAMPLE, exact against the host on the GPU's own logits ----
for (const [label, V, rows] of [
  ['one tile of 3,000 rows (3 sort rounds) and two small', 3100, [3000, 60, 40]],
  ['40 tiles (the bound-then-gather path)', 40 * 75, new Array<number>(40).fill(75)],
  ['a vocabulary below top-k (31 rows in 2 tiles)', 31, [20, 11]],
] as [string, number, number[]][]) {
  await h.test(
    `device sampler op, ${label}: candidates = the largest keys of the GPU logits, 30 draws = the host sampler's`,
    () => {
      const notArgmax = checkSamplerOp(device!, samplerOpProgram(V, rows), 30);
      assert(V < 64 || notArgmax > 0, 'every draw was the argmax: the sampling settings did nothing');
      return `${notArgmax}/30 draws were not the argmax`;
    },
    noGpu,
  );
}

for (const name of fixtures) {
  const dir = path.join(fdir, name);
  const checkpoint = loadCheckpoint(dir);
  if (needsOpChain(checkpoint.config)) continue;
  const ref = readReference(dir);
  const T = ref.inputIds.length;
  const N = 24;
  for (const queues of [sms, 5]) {
    const program = compile(checkpoint, { queues, maxSeqLen: T + N, deviceSampler: true });
    await h.test(
      `device sampler ${name} [queues=${queues}]: greedy settings = transformers' tokens`,
      () => {
        const gpu = greedyCuda(program, checkpoint, ref.inputIds, ref.greedy.length, { device: device! });
        assert(gpu.join() === ref.greedy.join(), `${gpu.join(',')} vs ${ref.greedy.join(',')}`);
        return `${gpu.length} tokens`;
      },
      noGpu,
    );
    await h.test(
      `device sampler ${name} [queues=${queues}]: each of ${N} drawn tokens = the host's on the GPU logits, 3 settings; one launch = launch per step`,
      () => {
        const p = new CudaProgram(device!, program);
        p.uploadWeights(checkpoint);
        let notArgmax = 0;
        for (const [i, s] of SAMPLING_SETTINGS.entries()) {
          const words = drawWords(createRng(100 + i), N);
          p.reset(T);
          p.setTokens(ref.inputIds);
          p.setSampling(s);
          p.setUniforms(T - 1, words);
          const stepped: number[] = [];
          for (let pos = 0; pos < T + N - 1; pos++) {
            p.run({ steps: 1, pos0: pos });
            if (pos < T - 1) continue;
            const j = pos - (T - 1);
            const logits = p.readLogits();
            const token = p.readArgmaxTokens(pos, 1)[0]!;
            const want = hostDraw(logits, s, words[2 * j]!, words[2 * j + 1]!);
            assert(token === want, `setting ${i}, pos ${pos}: GPU drew ${token}, the host ${want}`);
            if (token !== argmaxExcept(logits, 0, logits.length, [])) notArgmax++;
            stepped.push(token);
          }
          const launched = p.sample(ref.inputIds, N, s, createRng(100 + i));
          assert(
            launched.join() === stepped.join(),
            `setting ${i}: one launch ${launched.join(',')} vs ${stepped.join(',')}`,
          );
        }
        assert(notArgmax > 0, 'every draw was the argmax');
        return `${3 * N} draws, ${notArgmax} not the argmax`;
      },
      noGpu,
    );
  }
}

// ---- attention variants: programs of 1, 3 and 2 chunks taking turns on one session's state ----
// The CPU VM's twin of this switching is runtime's attention-variants.test.ts (forward pass, 1e-6).
for (const name of fixtures) {
  const { checkpoint, ref, T, n, suppressToken } = fixtureCase(name);
  const sampler = !needsOpChain(checkpoint.config);
  const programs = [1, 3, 2].map((attentionChunks) =>
    compile(checkpoint, {
      queues: sms,
      maxSeqLen: T + n,
      kvDtype: 'f32',
      suppressToken,
      attentionChunks,
      attentionScratchChunks: 3,
      deviceSampler: sampler,
    } as CompileOptions),
  );
  // Bands that switch inside the prompt and again inside the continuation.
  const bands = [3, T - 2, T + n].map((upToContext, i) => ({ upToContext, program: programs[i]! }));
  await h.test(
    `attention variants ${name} (1, 3, 2 chunks by context, f32 KV): every prompt position's GPU logits = CPU VM (tol 2e-3), then greedy = transformers`,
    () => {
      const cpu = runProgram(programs[0]!, checkpoint, ref.inputIds);
      const vocab = checkpoint.config.vocabSize;
      const decoder = new CudaDecoder(CudaDevice.open(0), programs[0]!, checkpoint, { variants: bands });
      try {
        decoder.reset(T);
        let worst = 0;
        let logits: Float32Array = new Float32Array(0);
        const ran = new Set<Program>();
        ref.inputIds.forEach((t, pos) => {
          logits = decoder.step(t);
          ran.add(decoder.program);
          worst = Math.max(worst, relativeError(logits, cpu.subarray(pos * vocab, (pos + 1) * vocab)));
        });
        assert(worst <= 2e-3, `worst relative error ${worst.toExponential(2)} > 2e-3`);
        const tokens: number[] = [];
        for (let i = 0; i < n; i++) {
          const next = argmaxExcept(logits, 0, vocab, [suppressToken]);
          tokens.push(next);
          if (i < n - 1) logits = decoder.step(next);
          ran.add(decoder.program);
        }
        assert(ran.size === 3, `${ran.size} of the 3 variants ran`);
        assert(tokens.join() === ref.greedy.join(), `${tokens.join(',')} vs ${ref.greedy.join(',')}`);
        return `worst ${worst.toExponential(2)}, ${n}/${n} tokens`;
      } finally {
        decoder.close();
      }
    },
    noGpu,
  );
  if (!sampler) continue;
  await h.test(
    `attention variants ${name}: greedy drawn on the device, launches crossing the bands = transformers`,
    () => {
      const decoder = new CudaDecoder(CudaDevice.open(0), programs[0]!, checkpoint, { variants: bands });
      try {
        decoder.reset(T);
        const rng = createRng(1);
        const greedy = { temperature: 0, topK: 1, topP: 1 };
        // The prompt but its last token one by one, then launches of 5 drawn tokens.
        for (const t of ref.inputIds.slice(0, -1)) decoder.step(t);
        const tokens = decoder.sampleOnDevice([ref.inputIds[T - 1]!], 5, greedy, rng);
        while (tokens.length < n)
          tokens.push(
            ...decoder.sampleOnDevice([tokens.at(-1)!], Math.min(5, n - tokens.length), greedy, rng),
          );
        assert(tokens.join() === ref.greedy.join(), `${tokens.join(',')} vs ${ref.greedy.join(',')}`);
        return `${n}/${n} tokens`;
      } finally {
        decoder.close();
      }
    },
    noGpu,
  );
}

// ---- the per-tensor diff on the unfused lowering: every intermediate, after every step ----
for (const name of fixtures) {
  await h.test(
    `per-tensor diff ${name} (unfused, 3 queues, f32 KV): every state tensor after every step, GPU = CPU VM (tol 2e-3)`,
    () => {
      const dir = path.join(fdir, name);
      const checkpoint = loadCheckpoint(dir);
      const ids = readReference(dir).inputIds.slice(0, 12);
      const program = compile(checkpoint, {
        queues: 3,
        maxSeqLen: 16,
        fused: false,
        attentionChunks: 2,
        kvDtype: 'f32',
      } as CompileOptions);
      const r = diffTensors(device!, program, checkpoint, ids, 2e-3);
      const at = (d: { pos: number; tensor: string; error: number }) =>
        `'${d.tensor}' at pos ${d.pos}: ${d.error.toExponential(2)}`;
      assert(r.firstOver === null, `first over tolerance: ${r.firstOver && at(r.firstOver)}`);
      return `${r.tensors} tensors × ${r.steps} steps; worst ${at(r.worst)}`;
    },
    noGpu,
  );
}

await h.test(
  'the per-tensor diff reports a corrupted weight (layer 1 up projection, row 3) at the step it first acts',
  () => {
    const dir = path.join(fdir, 'llama-tiny');
    const checkpoint = loadCheckpoint(dir);
    const ids = readReference(dir).inputIds.slice(0, 4);
    const program = compile(checkpoint, {
      queues: 3,
      maxSeqLen: 16,
      fused: false,
      kvDtype: 'f32',
    } as CompileOptions);
    const up = program.tensors.find((t) => t.name === 'layers.1.up')!;
    const r = diffTensors(device!, program, checkpoint, ids, 2e-3, (gpu) => {
      const w = gpu.readTensor(up.id);
      const K = up.shape[1]!;
      for (let k = 0; k < K; k++) w[3 * K + k] = -4 * w[3 * K + k]!;
      gpu.writeTensor(up.id, w);
    });
    assert(r.firstOver !== null, 'the diff saw no difference');
    assert(r.firstOver.pos === 0, `first difference at pos ${r.firstOver.pos}`);
    return `first over tolerance: '${r.firstOver.tensor}' at pos 0 (${r.firstOver.error.toExponential(2)})`;
  },
  noGpu,
);

/** llama-tiny compiled for every SM, and the CPU VM's logits for its reference prompt. */
function llamaTinyOnAllSms() {
  const dir = path.join(fdir, 'llama-tiny');
  const checkpoint = loadCheckpoint(dir);
  const ref = readReference(dir);
  const program = compile(checkpoint, { queues: sms, maxSeqLen: 64 });
  return { checkpoint, ref, program, cpu: runProgram(program, checkpoint, ref.inputIds) };
}

// ---- 1,000 consecutive launches (counters never reset: epoch = launch index) ----
await h.test(
  '1,000 consecutive launches: no deadlock, no mismatch',
  () => {
    const { checkpoint, ref, program, cpu } = llamaTinyOnAllSms();
    const vocab = program.config.vocabSize;
    const p = new CudaProgram(device!, program, { watchdogMs: 2000 });
    p.uploadWeights(checkpoint);
    p.reset(ref.inputIds.length);
    p.setTokens(ref.inputIds);
    const T = ref.inputIds.length;
    let worst = 0;
    let kernelMs = 0;
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) {
      const pos = i % T;
      kernelMs += p.run({ steps: 1, pos0: pos }).elapsedMs;
      const e = relativeError(p.readLogits(), cpu.subarray(pos * vocab, (pos + 1) * vocab));
      worst = Math.max(worst, e);
      assert(e <= 2e-2, `launch ${i} (pos ${pos}): relative error ${e.toExponential(2)}`);
    }
    const wall = performance.now() - t0;
    return `max error ${worst.toExponential(2)}; ${((kernelMs / 1000) * 1000).toFixed(1)} µs kernel, ${((wall / 1000) * 1000).toFixed(0)} µs wall per launch`;
  },
  noGpu,
);

// ---- many steps in one launch, and timing records ----
await h.test(
  'timing buffer: every instruction of a 4-step launch is recorded',
  () => {
    const dir = path.join(fdir, 'llama-tiny');
    const checkpoint = loadCheckpoint(dir);
    const program = compile(checkpoint, { queues: sms, maxSeqLen: 64 });
    const p = new CudaProgram(device!, program);
    p.uploadWeights(checkpoint);
    p.reset();
    p.setTokens([1, 2, 3, 4]);
    p.run({ steps: 4, pos0: 0, timing: true });
    const rows = p.timings();
    const total = program.queues.reduce((a, q) => a + q.byteLength / 64, 0) * 4;
    assert(rows.length === total, `${rows.length} of ${total} instructions recorded`);
    const top = summariseTimings(rows)
      .slice(0, 3)
      .map((s) => `${s.opcode} ${(s.meanNs / 1000).toFixed(2)} µs`);
    return top.join(', ');
  },
  noGpu,
);

// ---- closing a device handle or a decode session frees the device ----
await h.test(
  'close() frees the device memory: ten 16 GiB arenas, one handle each, opened and closed in turn',
  () => {
    const bytes = 16 * 2 ** 30;
    // 160 GiB in all: more than an H100 or H200 has, so a close() that leaked would fail a cudaMalloc.
    for (let i = 0; i < 10; i++) {
      const d = CudaDevice.open(0);
      d.native.allocWeights(bytes);
      d.close();
      d.close();
      assert(d.closed, 'closed is false after close()');
    }
    return `160 GiB allocated in turn on a ${(device!.info.memoryBytes / 2 ** 30).toFixed(0)} GiB GPU`;
  },
  noGpu,
);

await h.test(
  'a GPU decode session: logits = CPU VM; close twice; then step, reset and its device throw CudaClosedError',
  () => {
    const { checkpoint, ref, program, cpu } = llamaTinyOnAllSms();
    const vocab = program.config.vocabSize;
    const own = CudaDevice.open(0);
    const decoder = new CudaDecoder(own, program, checkpoint);
    let worst = 0;
    ref.inputIds.forEach((t, pos) => {
      const e = relativeError(decoder.step(t), cpu.subarray(pos * vocab, (pos + 1) * vocab));
      worst = Math.max(worst, e);
    });
    assert(worst <= 2e-2, `relative error ${worst.toExponential(2)}`);
    decoder.close();
    decoder.close();
    assert(own.closed, 'closing the decode session left its device handle open');
    for (const [what, call] of [
      ['step', () => decoder.step(1)],
      ['reset', () => decoder.reset()],
      ['the device handle', () => own.native],
    ] as const) {
      try {
        call();
      } catch (e) {
        assert(e instanceof CudaClosedError, `${what}: expected CudaClosedError, got ${String(e)}`);
        continue;
      }
      throw new Error(`${what} worked after close()`);
    }
    return `max error ${worst.toExponential(2)} over ${ref.inputIds.length} steps`;
  },
  noGpu,
);

// ---- the watchdog and rejected programs ----
await h.test(
  'watchdog: a wait that is never satisfied stops the kernel and names the counter',
  () => {
    const b = new OpProgramBuilder(2, 1);
    const x = b.input('x', 'f32', [8], 1);
    const y = b.state('y', 'f32', [8]);
    const never = b.counter();
    const done = b.counter();
    b.push(
      1,
      makeInstruction(Op.COPY, {
        t0: x,
        t1: y,
        a0: 0,
        a1: 0,
        a2: 8,
        wait0Counter: never,
        wait0Target: 1,
        signalCounter: done,
      }),
    );
    b.output(y, 8, done, 1);
    const { program, checkpoint } = b.build();
    const p = new CudaProgram(device!, program, { watchdogMs: 200 });
    p.uploadWeights(checkpoint);
    const t0 = performance.now();
    try {
      p.run({ steps: 1, pos0: 0 });
    } catch (e) {
      assert(e instanceof CudaKernelError, `expected CudaKernelError, got ${String(e)}`);
      // Two waits are stuck (the COPY's on `never`, the output's on `done`, which only the COPY
      // signals); whichever block's watchdog fires first reports, so either counter is right.
      assert(e.status.code === 1 && (e.status.counter === never || e.status.counter === done), e.message);
      p.reset();
      return `${(performance.now() - t0).toFixed(0)} ms: ${e.message}`;
    }
    throw new Error('the kernel did not stop');
  },
  noGpu,
);

/** Loading `program` on the GPU (when there is one) throws UnsupportedProgramError before any launch. */
function refusedOnDevice(program: Program): void {
  if (!device) return;
  try {
    new CudaProgram(device, program);
    throw new Error('accepted');
  } catch (e) {
    assert(e instanceof UnsupportedProgramError, String(e));
  }
}

await h.test('a reserved opcode is rejected before launch, by name', () => {
  const b = new OpProgramBuilder(2, 1);
  const x = b.input('x', 'f32', [8], 1);
  const done = b.counter();
  b.push(0, makeInstruction(0x33, { signalCounter: done }));
  b.output(x, 8, done, 1);
  const { program } = b.build();
  const problems = gpuSupportProblems(program, sms);
  assert(
    problems.some((p) => /reserved|BATCH_MATMUL|opcode/i.test(p)),
    problems.join('; ') || 'accepted',
  );
  refusedOnDevice(program);
  return problems[0];
});

await h.test('f32 matrix weights are rejected with a clear message', () => {
  const b = new OpProgramBuilder(2, 1);
  const x = b.input('x', 'f32', [16], 1);
  const W = b.input('W', 'f32', [4, 16], 1);
  const y = b.state('y', 'f32', [4]);
  const done = b.counter();
  b.push(0, makeInstruction(Op.MATVEC, { t0: x, t1: W, t2: y, a0: 0, a1: 4, signalCounter: done }));
  b.output(y, 4, done, 1);
  const problems = gpuSupportProblems(b.build().program, sms);
  assert(
    problems.some((p) => p.includes('bf16')),
    problems.join('; ') || 'accepted',
  );
  return problems[0];
});

const s = h.summary();
console.log(`\n${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`);
device?.close();
process.exit(s.failed ? 1 : 0);
