import {
  decodeQueue,
  encodeQueue,
  Op,
  parseProgram,
  printProgram,
  readProgram,
  validateProgram,
  writeProgram,
} from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import { tinyGpt2, tinyLlama } from './testing/tiny-config.js';
import { verifyProgram } from './verify/verify-program.js';

const T = 5;

describe('prefill programs', () => {
  for (const [name, config] of [
    ['llama', tinyLlama()],
    ['gpt2', tinyGpt2()],
  ] as const) {
    const decode = compile(config, { queues: 6, maxSeqLen: 32 });
    const prefill = compile(config, { queues: 6, maxSeqLen: 32, prefillTokens: T });
    const insts = prefill.queues.flatMap((q) => decodeQueue(q));

    it(`${name}: verifies and validates, with T tokens per step`, () => {
      expect(verifyProgram(prefill)).toEqual({ ok: true, violations: [] });
      expect(validateProgram(prefill, { mode: 'strict' })).toEqual([]);
      expect(prefill.tokensPerStep).toBe(T);
    });

    it(`${name}: one MATMUL per product tile over every token, one embed per token, the head for the last`, () => {
      const matmuls = insts.filter((i) => i.opcode === Op.MATMUL);
      expect(matmuls.length).toBeGreaterThan(0);
      for (const m of matmuls) expect([m.token, m.b0]).toEqual([0, T]);
      expect(insts.some((i) => i.opcode === Op.MATVEC && i.layer !== 0xffff)).toBe(false);
      expect(
        insts
          .filter((i) => i.opcode === Op.EMBED_GATHER)
          .map((i) => i.token)
          .sort(),
      ).toEqual([0, 1, 2, 3, 4]);
      const argmax = insts.filter((i) => i.opcode === Op.ARGMAX);
      expect(argmax.length).toBeGreaterThan(0);
      for (const a of argmax) expect(a.token).toBe(T - 1);
      // The decode program is untouched: no token rows, token 0 everywhere.
      expect(decode.tokensPerStep).toBeUndefined();
      expect(decode.tensors.some((t) => t.tokenAxis)).toBe(false);
      expect(decode.queues.flatMap((q) => decodeQueue(q)).every((i) => i.token === 0)).toBe(true);
    });

    it(`${name}: survives the binary container and the text form byte for byte`, () => {
      const bytes = writeProgram(prefill);
      const back = readProgram(bytes);
      expect(back.tokensPerStep).toBe(T);
      expect(back.tensors.filter((t) => t.tokenAxis).length).toBe(
        prefill.tensors.filter((t) => t.tokenAxis).length,
      );
      expect(writeProgram(parseProgram(printProgram(prefill)))).toEqual(bytes);
    });
  }

  it('refuses options it would otherwise have to ignore, and token counts the token field cannot hold', () => {
    const c = tinyLlama();
    expect(() => compile(c, { queues: 2, maxSeqLen: 32, prefillTokens: 4, splitK: 2 })).toThrow(
      /drop splitK: 2/,
    );
    expect(() => compile(c, { queues: 2, maxSeqLen: 32, prefillTokens: 4, attentionChunks: 3 })).toThrow(
      /drop attentionChunks: 3/,
    );
    expect(() =>
      compile({ ...c, maxPositionEmbeddings: 512 }, { queues: 2, maxSeqLen: 512, prefillTokens: 300 }),
    ).toThrow(/1 to 256 tokens/);
    expect(() => compile(c, { queues: 2, maxSeqLen: 8, prefillTokens: 9 })).toThrow(
      /prefillTokens 9 > maxSeqLen 8/,
    );
  });

  it('the verifier refuses a prefill step whose tokens no longer each have an embed', () => {
    const p = compile(tinyLlama(), { queues: 1, maxSeqLen: 16, prefillTokens: 3 });
    const list = decodeQueue(p.queues[0]!);
    const i = list.findIndex((x) => x.opcode === Op.EMBED_GATHER && x.token === 2);
    list[i] = { ...list[i]!, token: 1 };
    const r = verifyProgram({ ...p, queues: [encodeQueue(list)] });
    expect(r.ok).toBe(false);
    expect(r.violations[0]!.message).toMatch(/one EMBED_GATHER per token \(3\)/);
  });
});
