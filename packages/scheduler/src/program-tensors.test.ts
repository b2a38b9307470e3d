import { preset } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import { programTensors } from './program-tensors.js';
import { tinyGpt2, tinyLlama } from './testing/tiny-config.js';
import { syntheticWeights } from './weight-provider.js';

const byName = (p: ReturnType<typeof compile>, name: string) => p.tensors.find((t) => t.name === name);

describe('the tensor table', () => {
  it('permutes the q/k norm weights like the rows they scale, and refuses weights without them', () => {
    const config = preset('qwen3-0.6b');
    const p = compile(config, { queues: 4, maxSeqLen: 16, verify: false });
    expect(byName(p, 'layers.3.kNorm')).toMatchObject({
      shape: [1, 128],
      source: { kind: 'rope-permute', source: { kind: 'tensor', name: 'kNorm.3' }, heads: 1, headDim: 128 },
    });
    const synthetic = syntheticWeights(config);
    const without = {
      ...synthetic,
      has: (role: Parameters<typeof synthetic.has>[0], layer?: number) =>
        role !== 'kNorm' && synthetic.has(role, layer),
    };
    const options = { maxSeqLen: 16, kvDtype: 'bf16', attentionChunks: 1, fused: true } as const;
    expect(() => programTensors(config, without, options)).toThrow(/q_norm\/k_norm/);
  });

  it('fuses Q, K and V with the rotate-half rows permuted into interleaved RoPE order', () => {
    const p = compile(tinyLlama(), { queues: 2, maxSeqLen: 16 });
    expect(byName(p, 'layers.0.qkv')).toMatchObject({
      dtype: 'bf16',
      region: 'weights',
      shape: [(4 + 2 * 2) * 16, 64],
      source: {
        kind: 'concat',
        parts: [
          {
            kind: 'rope-permute',
            source: { kind: 'tensor', name: 'q.0' },
            heads: 4,
            headDim: 16,
            rotaryDim: 16,
          },
          {
            kind: 'rope-permute',
            source: { kind: 'tensor', name: 'k.0' },
            heads: 2,
            headDim: 16,
            rotaryDim: 16,
          },
          { kind: 'tensor', name: 'v.0' },
        ],
      },
    });
    expect(byName(p, 'rope')).toMatchObject({
      shape: [16, 8, 2],
      init: { kind: 'rope-table' },
      dtype: 'f32',
    });
  });

  it('does not permute interleaved checkpoints or models without RoPE', () => {
    const p = compile(tinyLlama({ ropeLayout: 'interleaved' }), { queues: 2, maxSeqLen: 16 });
    expect((byName(p, 'layers.1.qkv')!.source as unknown as { parts: unknown[] }).parts[0]).toEqual({
      kind: 'tensor',
      name: 'q.1',
    });
    const g = compile(tinyGpt2(), { queues: 2, maxSeqLen: 16 });
    expect(byName(g, 'rope')).toBeUndefined();
  });

  it('stacks gamma and beta of LayerNorm with bias into [2, H]', () => {
    const p = compile(tinyGpt2(), { queues: 2, maxSeqLen: 16 });
    expect(byName(p, 'layers.0.attnNorm')).toMatchObject({
      shape: [2, 64],
      source: { kind: 'concat', parts: [{ name: 'attnNorm.0' }, { name: 'attnNormBias.0' }] },
    });
    expect(byName(p, 'layers.0.qkvBias')!.shape).toEqual([3 * 64]);
  });

  it('shares one entry between a tied LM head and the embedding', () => {
    const tied = compile(preset('llama-3.2-1b'), { queues: 132, maxSeqLen: 64, verify: false });
    expect(byName(tied, 'lmHead')).toBeUndefined();
    const untied = compile(tinyLlama(), { queues: 2, maxSeqLen: 16 });
    expect(byName(untied, 'lmHead')).toMatchObject({
      shape: [96, 64],
      source: { kind: 'tensor', name: 'lmHead' },
    });
  });

  it('holds the state a decode step needs, KV cache in the requested dtype', () => {
    const p = compile(tinyLlama(), { queues: 2, maxSeqLen: 16, kvDtype: 'f32', attentionChunks: 2 });
    expect(byName(p, 'tokens')).toMatchObject({ dtype: 'i32', shape: [16], init: { kind: 'minus-one' } });
    expect(byName(p, 'argmax')).toMatchObject({ dtype: 'u32', shape: [16, 2] });
    expect(byName(p, 'kv.1')).toMatchObject({ dtype: 'f32', shape: [2, 16, 2, 16], layer: 1 });
    expect(byName(p, 'partialO')!.shape).toEqual([2, 4, 16]);
    expect(byName(p, 'partialLse')!.shape).toEqual([2, 4]);
    expect(p.io).toEqual({
      tokens: byName(p, 'tokens')!.id,
      logits: byName(p, 'logits')!.id,
      argmax: byName(p, 'argmax')!.id,
    });
  });
});
