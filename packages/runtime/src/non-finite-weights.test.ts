/**
 * Non-finite weights (loaded with the NaN/Inf scan turned off): the compiled program on the CPU VM must
 * be NaN exactly where the direct forward pass is, so that the oracle never shows ordinary-looking
 * logits where the reference shows NaN (issue 12: an Inf weight made `--backend cpu` print tokens while
 * `--backend reference` printed zeros, because the attention reduce turned NaN into 0).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint, NonFiniteWeightError, openSafetensors, writeSafetensors } from '@megakernel/model';
import { forward, runProgram } from '@megakernel/reference-cpu';
import { compile } from '@megakernel/scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../test-support/fixtures.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** llama-tiny with element `index` of tensor `name` (bf16) set to the raw bits `bits`. */
function corruptLlamaTiny(name: string, index: number, bits: number): string {
  const src = fixture('llama-tiny').dir;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'megakernel-nonfinite-'));
  made.push(dir);
  const f = openSafetensors(path.join(src, 'model.safetensors'));
  const tensors = new Map(
    f
      .list()
      .map((t) => [t.name, { dtype: t.dtype, shape: t.shape, bytes: new Uint8Array(f.readBytes(t.name)) }]),
  );
  f.close();
  const t = tensors.get(name);
  if (t === undefined || t.dtype !== 'BF16') throw new Error(`${name} is not a bf16 tensor of llama-tiny`);
  new DataView(t.bytes.buffer).setUint16(2 * index, bits, true);
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  fs.copyFileSync(path.join(src, 'config.json'), path.join(dir, 'config.json'));
  return dir;
}

const PROMPT = [72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100];
const VARIANTS = [
  { queues: 1 },
  { queues: 3, attentionChunks: 3, splitK: 2, tileRows: 8 },
  { queues: 4, attentionChunks: 2 },
] as const;

function nanIndices(a: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i]!)) out.push(i);
  return out;
}

describe('non-finite weights: the CPU VM is NaN where the direct forward pass is', () => {
  const cases = [
    // +Inf (bf16 0x7f80) in row 5 of layer 0's k_proj: every key gets a ±Inf component, so every
    // attention logit is ±Inf and the softmax NaN from the first position on.
    {
      what: 'Inf in model.layers.0.self_attn.k_proj.weight',
      tensor: 'model.layers.0.self_attn.k_proj.weight',
      index: 5 * 64 + 2,
      bits: 0x7f80,
    },
    // NaN (bf16 0x7fc0) in lm_head row 7 (issue 12's `7 7 7 7` case): only token 7's logit is NaN.
    { what: 'NaN in lm_head row 7', tensor: 'lm_head.weight', index: 7 * 64 + 3, bits: 0x7fc0 },
    // -Inf in layer 1's v_proj: Inf values reach attention outputs through the partials.
    {
      what: '-Inf in model.layers.1.self_attn.v_proj.weight',
      tensor: 'model.layers.1.self_attn.v_proj.weight',
      index: 3 * 64 + 9,
      bits: 0xff80,
    },
  ];

  describe.each(cases)('$what', ({ tensor, index, bits }) => {
    const dir = corruptLlamaTiny(tensor, index, bits);

    it('is refused at load while the scan is on', () => {
      expect(() => loadCheckpoint(dir)).toThrow(NonFiniteWeightError);
    });

    it.each(VARIANTS)('program on %o: NaN in the same places, equal elsewhere', (variant) => {
      const checkpoint = loadCheckpoint(dir, { checkWeights: false });
      try {
        const expected = forward(checkpoint, PROMPT);
        const program = compile(checkpoint, { maxSeqLen: PROMPT.length, kvDtype: 'f32', ...variant });
        const actual = runProgram(program, checkpoint, PROMPT, { strict: true });
        const nan = nanIndices(expected);
        // The corruption must reach the logits, or this test shows nothing.
        expect(nan.length).toBeGreaterThan(0);
        expect(nanIndices(actual)).toEqual(nan);
        for (let i = 0; i < expected.length; i++) {
          const e = expected[i]!;
          if (Number.isNaN(e)) continue;
          if (!Number.isFinite(e)) expect(actual[i]).toBe(e);
          else expect(Math.abs(actual[i]! - e)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(e)));
        }
      } finally {
        checkpoint.close();
      }
    });
  });
});
