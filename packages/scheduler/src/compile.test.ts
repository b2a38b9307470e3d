import { decodeQueue, Op, preset, readProgram, validateProgram, writeProgram } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import { CompileError } from './options.js';
import { tinyGpt2, tinyLlama } from './testing/tiny-config.js';
import { verifyProgram } from './verify/verify-program.js';

const opcodes = (p: ReturnType<typeof compile>) =>
  p.queues.flatMap((q) => decodeQueue(q).map((i) => i.opcode));

describe('compile', () => {
  it('produces a verified program for a tiny Llama on several queue counts', () => {
    for (const queues of [1, 3, 7, 132]) {
      const p = compile(tinyLlama(), { queues, maxSeqLen: 32 });
      expect(p.queues).toHaveLength(queues);
      expect(verifyProgram(p)).toEqual({ ok: true, violations: [] });
    }
  });
  it('passes strict ISA validation and survives the binary container', () => {
    const programs = [
      compile(tinyLlama(), { queues: 3, maxSeqLen: 16, attentionChunks: 2, splitK: 2 }),
      compile(tinyGpt2(), { queues: 5, maxSeqLen: 16, fused: false }),
    ];
    for (const p of programs) {
      expect(validateProgram(p, { mode: 'strict' })).toEqual([]);
      const back = readProgram(writeProgram(p));
      expect(back.queues).toEqual(p.queues);
      expect(verifyProgram(back).ok).toBe(true);
    }
  });

  it('lowers GPT-2 with learned positions and a tied head', () => {
    const p = compile(tinyGpt2(), { queues: 5, maxSeqLen: 64 });
    expect(p.tensors.some((t) => t.name === 'positions')).toBe(true);
    expect(p.tensors.some((t) => t.name === 'lmHead')).toBe(false);
    expect(opcodes(p).filter((o) => o === Op.EMBED_GATHER)).toHaveLength(1);
  });
  it('lays out Llama-3.2-1B on 132 queues: every op of a layer in every layer, the options in meta', () => {
    const p = compile(preset('llama-3.2-1b'), { queues: 132, maxSeqLen: 1024, verify: false });
    const insts = p.queues.flatMap((q) => decodeQueue(q));
    const perLayer = (opcode: number) => insts.filter((i) => i.opcode === opcode && i.layer === 7).length;
    expect(perLayer(Op.FUSED_NORM_QKV_ROPE)).toBe(132);
    expect(perLayer(Op.ATTENTION_PARTIAL)).toBe(
      8 * (p.meta.tiling as { attentionChunks: number }).attentionChunks,
    );
    expect(insts.filter((i) => i.opcode === Op.FUSED_NORM_LM_HEAD_ARGMAX)).toHaveLength(132);
    expect(p.meta).toMatchObject({
      scheduler: '@megakernel/scheduler',
      options: { queues: 132, maxSeqLen: 1024, kvDtype: 'bf16' },
    });
    expect((p.meta.counterNames as string[]).length).toBe(p.counterCount);
  });

  it('lowers Qwen3-0.6B with its q/k norms: projection to a scratch, then norms, RoPE and the appends', () => {
    const p = compile(preset('qwen3-0.6b'), { queues: 132, maxSeqLen: 256 });
    const ops = opcodes(p);
    const count = (op: number) => ops.filter((o) => o === op).length;
    // Two head norms (q heads, k heads), one RoPE, one Q copy and two appends per layer.
    expect(count(Op.HEAD_RMS_NORM)).toBe(2 * 28);
    expect(count(Op.ROPE_EMBED)).toBe(28);
    expect(count(Op.CACHE_APPEND)).toBe(2 * 28);
    expect(count(Op.FUSED_NORM_QKV_ROPE)).toBe(0);
    expect(count(Op.FUSED_NORM_MATMUL)).toBeGreaterThanOrEqual(28);
    expect(p.tensors.filter((t) => /^layers\.\d+\.[qk]Norm$/.test(t.name))).toHaveLength(2 * 28);
    expect(p.tensors.find((t) => t.name === 'layers.0.qNorm')!.shape).toEqual([1, 128]);
  });
  it('lowers the unfused debugging form', () => {
    const p = compile(tinyGpt2(), { queues: 3, maxSeqLen: 16, fused: false });
    const ops = new Set(opcodes(p));
    for (const op of [
      Op.LAYER_NORM,
      Op.MATVEC,
      Op.COPY,
      Op.CACHE_APPEND,
      Op.RESIDUAL_ADD,
      Op.GELU_TANH,
      Op.ARGMAX,
    ])
      expect(ops.has(op)).toBe(true);
    expect(ops.has(Op.FUSED_NORM_QKV_ROPE)).toBe(false);
    const llama = new Set(opcodes(compile(tinyLlama(), { queues: 3, maxSeqLen: 16, fused: false })));
    for (const op of [Op.RMS_NORM, Op.ROPE_EMBED, Op.SWIGLU]) expect(llama.has(op)).toBe(true);
  });

  it('rejects bad options and unsupported models with named errors', () => {
    expect(() => compile(tinyLlama(), { queues: 0, maxSeqLen: 16 })).toThrow(CompileError);
    expect(() => compile(tinyGpt2(), { queues: 2, maxSeqLen: 1000 })).toThrow(/learned positions/);
    expect(() => compile(tinyLlama(), { queues: 2, maxSeqLen: 16, tileRows: 7 })).toThrow(/even/);
    expect(() => compile(tinyLlama({ position: 'alibi' }), { queues: 2, maxSeqLen: 16 })).toThrow(
      CompileError,
    );
  });

  it('refuses a context beyond the model positions for RoPE models too (compile --max-seq-len 1000000000)', () => {
    const config = tinyLlama({ maxPositionEmbeddings: 256 });
    const run = () => compile(config, { queues: 4, maxSeqLen: 1_000_000_000 });
    expect(run).toThrow(CompileError);
    expect(run).toThrow("maxSeqLen 1000000000 exceeds the model's 256 positions");
    expect(() => compile(config, { queues: 4, maxSeqLen: 257 })).toThrow(CompileError);
    expect(compile(config, { queues: 4, maxSeqLen: 256 }).maxSeqLen).toBe(256);
  });
});
