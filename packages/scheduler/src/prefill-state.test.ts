import { validateProgram } from '@megakernel/isa';
import { loadCheckpoint } from '@megakernel/model';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../test-support/fixtures.js';
import { compileAttentionVariants } from './attention-variants.js';
import { compile } from './compile.js';
import { placePrefillOnDecodeState, placePrefillOnVariants } from './prefill-state.js';

describe('placePrefillOnDecodeState', () => {
  const checkpoint = loadCheckpoint(fixture('llama-tiny').dir);
  const variants = compileAttentionVariants(checkpoint, { queues: 6, maxSeqLen: 96, deviceSampler: true });
  const decode = variants.map((v) => v.program);
  const prefill = compile(checkpoint, {
    queues: 6,
    maxSeqLen: 96,
    prefillTokens: 8,
    prefillMatmulInputs: 'bf16',
  });
  const placed = placePrefillOnDecodeState(decode, prefill);

  it("puts every shared tensor at the decode program's offset and the scratch past its state", () => {
    const byName = new Map(decode[0]!.tensors.map((t) => [t.name, t]));
    let shared = 0;
    for (const t of placed.prefill.tensors) {
      const d = byName.get(t.name);
      if (d && d.dtype === t.dtype && d.shape.join() === t.shape.join()) {
        expect(t.byteOffset, t.name).toBe(d.byteOffset);
        shared++;
      } else {
        expect(t.region).toBe('state');
        expect(t.byteOffset, t.name).toBeGreaterThanOrEqual(decode[0]!.stateBytes);
      }
    }
    // Weights, both KV caches, tokens, argmax keys, logits, the RoPE table at least.
    expect(shared).toBeGreaterThan(10);
    for (const d of placed.decode) expect(d.stateBytes).toBe(placed.prefill.stateBytes);
  });

  // That the placed program computes what it did is runtime's prefill-program.test.ts (the CPU VM).
  it('leaves programs that validate strictly', () => {
    for (const p of [placed.prefill, ...placed.decode])
      expect(validateProgram(p, { mode: 'strict' }).map((v) => v.rule)).toEqual([]);
  });

  it('over attention variants: every band keeps its context and gets its placed program', () => {
    const onVariants = placePrefillOnVariants(variants, prefill);
    expect(onVariants.variants.map((v) => v.upToContext)).toEqual(variants.map((v) => v.upToContext));
    onVariants.variants.forEach((v, i) => {
      expect(v.program.stateBytes).toBe(onVariants.prefill.stateBytes);
      expect(v.program.queues).toBe(variants[i]!.program.queues);
    });
    expect(onVariants.prefill.tensors).toEqual(placed.prefill.tensors);
  });

  it('refuses a prefill program whose KV cache differs from the decode one', () => {
    const f32 = compile(checkpoint, { queues: 6, maxSeqLen: 96, prefillTokens: 8, kvDtype: 'f32' });
    expect(() => placePrefillOnDecodeState(decode, f32)).toThrow(/cannot share .*kv/i);
    const shorter = compile(checkpoint, { queues: 6, maxSeqLen: 64, prefillTokens: 8 });
    expect(() => placePrefillOnDecodeState(decode, shorter)).toThrow(/maxSeqLen 64 against 96/);
  });
});
