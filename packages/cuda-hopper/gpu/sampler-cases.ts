/**
 * GPU tests of the device sampler (SAMPLE and the LM head's candidate keys), exact against the host:
 * every candidate list must be the largest keys of the GPU's own logits, and every drawn token the
 * host sampler's (samplingDistribution, drawIndex) on those logits with the same uniform draw. Logits
 * of the two VMs differ by rounding, so the comparison is always against what this GPU computed.
 */
import { CANDIDATES_PER_LIST, type DeviceSampling, makeInstruction, Op, type Program } from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import {
  createRng,
  drawIndex,
  largestKeys,
  samplingDistribution,
  uniformFromWords,
} from '@megakernel/reference-cpu';
import { NO_SUPPRESSED_TOKEN } from '@megakernel/scheduler';
import { type CudaDevice, CudaProgram, drawWords } from '../src/index.js';
import { assert } from './harness.js';
import { OpProgramBuilder } from './op-program.js';

export const SAMPLING_SETTINGS: readonly DeviceSampling[] = [
  { temperature: 0.8, topK: 40, topP: 0.95 },
  { temperature: 1.5, topK: 64, topP: 1 },
  { temperature: 0.3, topK: 2, topP: 0.5 },
];

/** The host sampler's token for these logits and uniform words. */
export function hostDraw(
  logits: Float32Array,
  s: DeviceSampling,
  high: number,
  low: number,
  suppress: number[] = [],
): number {
  const { tokens, probs } = samplingDistribution(logits, { ...s, suppress });
  return tokens[drawIndex(probs, uniformFromWords(high, low))]!;
}

/** The `count` largest argmax keys of rows [r0, r1) as the candidates tensor stores them: (low, high) word pairs, 0 pads. */
function largestKeyWords(logits: Float32Array, r0: number, r1: number, count: number): number[] {
  const out = new Array<number>(2 * count).fill(0);
  largestKeys(logits, r0, r1 - r0, NO_SUPPRESSED_TOKEN, count).forEach((k, i) => {
    out[2 * i] = k.low;
    out[2 * i + 1] = k.high;
  });
  return out;
}

/** Settings SAMPLE keeps the argmax for: the host writes both as zeroed words. */
export const GREEDY_SETTINGS: readonly DeviceSampling[] = [
  { temperature: 0, topK: 0, topP: 1 },
  { temperature: 0.8, topK: 1, topP: 0.9 },
];

/** The row torch.argmax picks (the first of equal maxima), as the argmax key orders them. */
function argmaxRow(logits: Float32Array): number {
  let best = 0;
  for (let r = 1; r < logits.length; r++) if (logits[r]! > logits[best]!) best = r;
  return best;
}

/**
 * An LM head over V rows cut into tiles of the given sizes on 2 queues, its candidates, and SAMPLE; the
 * tiles read the sampling words too, as the scheduler's do, so greedy settings skip the candidates.
 */
export function samplerOpProgram(
  V: number,
  tileRows: number[],
): { program: Program; checkpoint: Checkpoint; tiles: [number, number][] } {
  const K = 64;
  const b = new OpProgramBuilder(1, V + tileRows.length);
  const x = b.input('x', 'f32', [K], 2);
  const norm = b.input('norm', 'bf16', [1, K], 0.5, 1);
  const W = b.input('W', 'bf16', [V, K], 4 / Math.sqrt(K));
  const logits = b.state('lm', 'f32', [V]);
  const candidates = b.state('candidates', 'u32', [tileRows.length, 2 * CANDIDATES_PER_LIST]);
  const sampling = b.state('sampling', 'u32', [8]);
  const uniforms = b.state('uniforms', 'u32', [1, 2]);
  const tiled = b.counter();
  const sampled = b.counter();
  const tiles: [number, number][] = [];
  let r0 = 0;
  tileRows.forEach((n, i) => {
    tiles.push([r0, r0 + n]);
    b.push(
      i % 2,
      b.inst(Op.FUSED_NORM_LM_HEAD_ARGMAX, {
        t0: x,
        t1: norm,
        t2: W,
        t4: logits,
        t5: b.argmax,
        t6: candidates,
        t7: sampling,
        a0: r0,
        a1: n,
        a2: NO_SUPPRESSED_TOKEN,
        a3: i,
        f0: 1e-5,
        f1: 1,
        signalCounter: tiled,
      }),
    );
    r0 += n;
  });
  assert(r0 === V, 'tile rows must cover V');
  b.push(
    1,
    makeInstruction(Op.SAMPLE, {
      t0: candidates,
      t1: sampling,
      t2: uniforms,
      t3: b.argmax,
      wait0Counter: tiled,
      wait0Target: tileRows.length,
      signalCounter: sampled,
    }),
  );
  b.output(logits, V, sampled, 1);
  const built = b.build();
  return {
    program: { ...built.program, io: { ...built.program.io, candidates, sampling, uniforms } },
    checkpoint: built.checkpoint,
    tiles,
  };
}

/**
 * Runs the op program `draws` times (one launch each, fresh draws): each tile's candidates must be
 * the largest keys of the GPU's logits, and the drawn token the host's. Then one launch per greedy
 * setting: the token is the argmax and the candidates hold what the host wrote before the launch (the
 * tiles skipped their sort). Returns how many draws were not the argmax (a sampler that only ever
 * kept the argmax would pass the rest).
 */
export function checkSamplerOp(
  device: CudaDevice,
  built: ReturnType<typeof samplerOpProgram>,
  draws: number,
): number {
  const { program, checkpoint, tiles } = built;
  const p = new CudaProgram(device, program, { watchdogMs: 2000 });
  p.uploadWeights(checkpoint);
  const rng = createRng(7);
  let notArgmax = 0;
  for (let d = 0; d < draws; d++) {
    const s = SAMPLING_SETTINGS[d % SAMPLING_SETTINGS.length]!;
    p.reset(1);
    p.setTokens([1]);
    p.setSampling(s);
    const words = drawWords(rng, 1);
    p.setUniforms(0, words);
    p.run({ steps: 1, pos0: 0 });
    const logits = p.readLogits();
    const cand = p.readWords(program.io.candidates!);
    tiles.forEach(([r0, r1], i) => {
      const want = largestKeyWords(logits, r0, r1, CANDIDATES_PER_LIST);
      const got = Array.from(cand.subarray(i * 2 * CANDIDATES_PER_LIST, (i + 1) * 2 * CANDIDATES_PER_LIST));
      const bad = got.findIndex((w, j) => w !== want[j]);
      assert(
        bad < 0,
        `draw ${d}, list ${i} (rows ${r0}..${r1}): word ${bad} is ${got[bad]}, host ${want[bad]}`,
      );
    });
    const token = p.readArgmaxTokens(0, 1)[0]!;
    const want = hostDraw(logits, s, words[0]!, words[1]!);
    assert(token === want, `draw ${d} (${JSON.stringify(s)}): GPU drew ${token}, the host ${want}`);
    if (token !== argmaxRow(logits)) notArgmax++;
  }
  const id = program.io.candidates!;
  const SENTINEL = 12345; // exact in f32, which writeTensor converts from
  for (const s of GREEDY_SETTINGS) {
    p.reset(1);
    p.setTokens([1]);
    p.setSampling(s);
    p.writeTensor(id, new Float32Array(tiles.length * 2 * CANDIDATES_PER_LIST).fill(SENTINEL));
    p.run({ steps: 1, pos0: 0 });
    const cand = p.readWords(id);
    const bad = cand.findIndex((w) => w !== SENTINEL);
    assert(
      bad < 0,
      `greedy ${JSON.stringify(s)}: candidate word ${bad} is ${cand[bad]}, not left as written`,
    );
    const token = p.readArgmaxTokens(0, 1)[0]!;
    const best = argmaxRow(p.readLogits());
    assert(token === best, `greedy ${JSON.stringify(s)}: GPU chose ${token}, the argmax is ${best}`);
  }
  return notArgmax;
}
