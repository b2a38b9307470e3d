import { decodeQueue, Op, preset, stateLayoutMismatch, validateProgram } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { compileAttentionVariants, planAttentionBands } from './attention-variants.js';
import { compile } from './compile.js';
import { CompileError } from './options.js';
import { tinyLlama } from './testing/tiny-config.js';
import { verifyProgram } from './verify/verify-program.js';

const count = (p: ReturnType<typeof compile>, op: number) =>
  p.queues.reduce((n, q) => n + decodeQueue(q).filter((i) => i.opcode === op).length, 0);
const chunksOf = (p: ReturnType<typeof compile>) =>
  (p.meta.tiling as { attentionChunks: number }).attentionChunks;

describe('planAttentionBands', () => {
  it('prices one chunk at short contexts and more as the context grows, up to maxSeqLen', () => {
    const bands = planAttentionBands(preset('llama-3.2-1b'), { queues: 132, maxSeqLen: 16_416 });
    expect(bands[0]!.chunks).toBe(1);
    expect(bands.at(-1)!.upToContext).toBe(16_416);
    expect(bands.at(-1)!.chunks).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < bands.length; i++) {
      expect(bands[i]!.chunks).toBeGreaterThan(bands[i - 1]!.chunks);
      expect(bands[i]!.upToContext).toBeGreaterThan(bands[i - 1]!.upToContext);
    }
    // A handful of programs, not one per count.
    expect(bands.length).toBeLessThanOrEqual(6);
  });

  it('gives one band for an explicit chunk count, and one for a short maxSeqLen', () => {
    const config = preset('llama-3.2-1b');
    expect(planAttentionBands(config, { queues: 132, maxSeqLen: 4096, attentionChunks: 3 })).toEqual([
      { chunks: 3, upToContext: 4096 },
    ]);
    expect(planAttentionBands(config, { queues: 132, maxSeqLen: 64 })).toEqual([
      { chunks: 1, upToContext: 64 },
    ]);
  });
});

describe('compileAttentionVariants', () => {
  // Two layers of Llama-3.2-1B's shape: the cost model's bands, compiled quickly.
  const config = { ...preset('llama-3.2-1b'), numLayers: 2 };
  const options = { queues: 132, maxSeqLen: 4096 };

  it('compiles one verified program per band, all on one state layout', () => {
    const variants = compileAttentionVariants(config, options);
    expect(variants.map((v) => ({ chunks: v.chunks, upToContext: v.upToContext }))).toEqual(
      planAttentionBands(config, options),
    );
    expect(variants.length).toBeGreaterThan(1);
    const capacity = Math.max(...variants.map((v) => v.chunks));
    for (const v of variants) {
      expect(chunksOf(v.program)).toBe(v.chunks);
      expect(verifyProgram(v.program).ok).toBe(true);
      expect(validateProgram(v.program, { mode: 'strict' })).toEqual([]);
      expect(stateLayoutMismatch(variants[0]!.program, v.program)).toBeUndefined();
      // A reduction per KV head and layer exactly when the attention is split.
      expect(count(v.program, Op.ATTENTION_REDUCE)).toBe(
        v.chunks > 1 ? config.numLayers * config.numKvHeads : 0,
      );
      expect(count(v.program, Op.ATTENTION_PARTIAL)).toBe(config.numLayers * config.numKvHeads * v.chunks);
      const partialO = v.program.tensors.find((t) => t.name === 'partialO')!;
      expect(partialO.shape[0]).toBe(v.chunks);
      // Room for the widest variant's partials, whatever this one's chunk axis says.
      const next = v.program.tensors[partialO.id + 1]!;
      expect(next.byteOffset - partialO.byteOffset).toBeGreaterThanOrEqual(
        capacity * config.numHeads * config.headDim * 4,
      );
    }
  });

  it('is the plain program, unchanged, when the split is given', () => {
    const [only, ...rest] = compileAttentionVariants(tinyLlama(), {
      queues: 3,
      maxSeqLen: 32,
      attentionChunks: 2,
    });
    expect(rest).toEqual([]);
    expect(only!.program.queues).toEqual(
      compile(tinyLlama(), { queues: 3, maxSeqLen: 32, attentionChunks: 2 }).queues,
    );
  });

  it('refuses prefill programs and a scratch smaller than the split', () => {
    expect(() =>
      compileAttentionVariants(tinyLlama(), { queues: 3, maxSeqLen: 32, prefillTokens: 4 }),
    ).toThrow(CompileError);
    expect(() =>
      compile(tinyLlama(), { queues: 3, maxSeqLen: 32, attentionChunks: 4, attentionScratchChunks: 2 }),
    ).toThrow(/attentionChunks = 4 exceeds attentionScratchChunks = 2/);
    expect(() => compile(tinyLlama(), { queues: 3, maxSeqLen: 32, attentionScratchChunks: 0 })).toThrow(
      CompileError,
    );
  });
});
