/**
 * SAMPLE (CUDA twin: `cuda-hopper/csrc/ops/sample.cuh`): the step's token drawn from the LM head
 * tiles' candidate keys with the host sampler's arithmetic (maths/sampling.ts), stored as key[pos].
 */
import { CANDIDATES_PER_LIST, decodeSamplingParams } from '@megakernel/isa';
import { byKeyDescending, type CandidateKey, keyLogit } from '../maths/candidate-keys.js';
import { uniformFromWords } from '../maths/prng.js';
import { drawIndex, nucleusProbabilities } from '../maths/sampling.js';
import type { ExecContext } from '../vm/context.js';

export function executeSample(ctx: ExecContext): void {
  const candidates = ctx.tensor('candidates');
  const sampling = ctx.tensor('sampling');
  const uniforms = ctx.tensor('uniforms');
  const keys = ctx.tensor('argmax');
  for (const t of [candidates, sampling, uniforms, keys])
    if (!(t.data instanceof Uint32Array)) ctx.fail(`${t.operand} is ${t.dtype}; u32 is needed`);
  ctx.check(sampling, 0, 6, 'read');
  const { topK, temperature, topP } = decodeSamplingParams(sampling.data as Uint32Array);
  // Greedy (the zeroed words included): the argmax key stands.
  if (topK <= 1) return;
  if (topK > CANDIDATES_PER_LIST)
    ctx.fail(`sampling topK ${topK} exceeds the ${CANDIDATES_PER_LIST} candidates a tile keeps`);
  if (!(temperature >= 0) || !(topP > 0 && topP <= 1))
    ctx.fail(`sampling temperature ${temperature} / topP ${topP} out of range`);
  if (temperature === 0) return;
  ctx.check(candidates, 0, candidates.elements, 'read');
  const cand = candidates.data as Uint32Array;
  const all: CandidateKey[] = [];
  for (let i = 0; i + 1 < candidates.elements; i += 2) {
    if (cand[i] !== 0 || cand[i + 1] !== 0) all.push({ low: cand[i]!, high: cand[i + 1]! });
  }
  if (all.length === 0) ctx.fail('no candidate keys: no LM head tile wrote its list');
  const ranked = all.sort(byKeyDescending).slice(0, topK);
  const probs = nucleusProbabilities(ranked.map(keyLogit), temperature, topP);
  ctx.check(uniforms, ctx.pos * 2, 2, 'read');
  const u = uniforms.data as Uint32Array;
  const chosen = ranked[drawIndex(probs, uniformFromWords(u[ctx.pos * 2]!, u[ctx.pos * 2 + 1]!))]!;
  ctx.check(keys, ctx.pos * 2, 2, 'write');
  keys.data[ctx.pos * 2] = chosen.low;
  keys.data[ctx.pos * 2 + 1] = chosen.high;
}
