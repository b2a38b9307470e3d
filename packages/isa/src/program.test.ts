import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeQueue } from './encode.js';
import { FieldRangeError, ProgramFormatError, type ProgramFormatErrorCode } from './errors.js';
import { readProgram, writeProgram } from './program.js';
import type { Program } from './program-types.js';
import { tinyProgram } from './testing/tiny-program.js';

const { program, queues } = tinyProgram();
const bytes = writeProgram(program);

function codeOf(f: () => unknown): ProgramFormatErrorCode | 'ok' | string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof ProgramFormatError ? e.code : `other: ${(e as Error).name}: ${(e as Error).message}`;
  }
}

/** A copy of `bytes` with the JSON header replaced (and the prefix length fixed up). */
function withHeader(json: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const oldLen = view.getUint32(12, true);
  const oldStart = Math.ceil((16 + oldLen) / 64) * 64;
  const header = new TextEncoder().encode(json);
  const start = Math.ceil((16 + header.byteLength) / 64) * 64;
  const out = new Uint8Array(start + bytes.byteLength - oldStart);
  out.set(bytes.subarray(0, 16));
  new DataView(out.buffer).setUint32(12, header.byteLength, true);
  out.set(header, 16);
  out.set(bytes.subarray(oldStart), start);
  return out;
}
const headerJson = (): Record<string, unknown> => {
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + len)));
};

describe('program container', () => {
  it('round-trips a program', () => {
    const back = readProgram(bytes);
    expect(back).toEqual(program);
    expect(back.queues.map((q) => q.byteLength)).toEqual(queues.map((q) => q.length * 64));
  });

  it('starts with MKPROG\\0\\0, version 1 and the header length, and puts queues on a 64-byte boundary', () => {
    expect(Array.from(bytes.subarray(0, 8))).toEqual([77, 75, 80, 82, 79, 71, 0, 0]);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getUint32(8, true)).toBe(1);
    const h = headerJson();
    expect(h.queueLengths).toEqual(queues.map((q) => q.length));
    expect(h.counterCount).toBe(program.counterCount);
    const start = bytes.byteLength - queues.reduce((s, q) => s + q.length * 64, 0);
    expect(start % 64).toBe(0);
    expect(bytes.subarray(16 + view.getUint32(12, true), start).every((b) => b === 0)).toBe(true);
    expect(
      Buffer.from(bytes.subarray(start, start + queues[0]!.length * 64)).equals(
        Buffer.from(encodeQueue(queues[0]!)),
      ),
    ).toBe(true);
  });

  it('is deterministic: the same values in another key order give the same bytes', () => {
    const reordered: Program = {
      meta: { note: 'for tests', builder: 'tiny-program' },
      queues: program.queues,
      io: { argmax: program.io.argmax, logits: program.io.logits, tokens: program.io.tokens },
      counterCount: program.counterCount,
      stateBytes: program.stateBytes,
      weightBytes: program.weightBytes,
      tensors: program.tensors.map((t) => Object.fromEntries(Object.entries(t).reverse()) as typeof t),
      maxSeqLen: program.maxSeqLen,
      config: Object.fromEntries(Object.entries(program.config).reverse()) as Program['config'],
      formatVersion: 1,
    };
    expect(Buffer.from(writeProgram(reordered)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('reports every truncation as truncated', () => {
    const codes = new Set<string>();
    for (let n = 0; n < bytes.byteLength; n++) codes.add(codeOf(() => readProgram(bytes.subarray(0, n))));
    expect([...codes]).toEqual(['truncated']);
  });

  it('names each kind of corruption', () => {
    const patch = (at: number, ...values: number[]): Uint8Array => {
      const b = bytes.slice();
      b.set(values, at);
      return b;
    };
    expect(codeOf(() => readProgram(patch(0, 0x4e)))).toBe('bad-magic');
    expect(codeOf(() => readProgram(new TextEncoder().encode('{"formatVersion":1}')))).toBe('bad-magic');
    expect(codeOf(() => readProgram(patch(8, 2)))).toBe('unsupported-version');
    expect(codeOf(() => readProgram(patch(12, 0xff, 0xff, 0xff, 0x7f)))).toBe('truncated');
    expect(codeOf(() => readProgram(patch(16, 0xff)))).toBe('bad-header'); // not UTF-8
    expect(codeOf(() => readProgram(patch(16, 0x5b)))).toBe('bad-header'); // '[' : not JSON
    const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    expect(codeOf(() => readProgram(patch(16 + len, 1)))).toBe('bad-header'); // non-zero padding
    const extra = new Uint8Array(bytes.byteLength + 64);
    extra.set(bytes);
    expect(codeOf(() => readProgram(extra))).toBe('bad-queue-length');
  });

  it('checks the header shape', () => {
    const h = headerJson();
    const code = (over: Record<string, unknown>) =>
      codeOf(() => readProgram(withHeader(JSON.stringify({ ...h, ...over }))));
    expect(code({})).toBe('ok');
    expect(code({ tensors: undefined })).toBe('bad-header');
    expect(code({ extra: 1 })).toBe('bad-header');
    expect(code({ counterCount: 70000 })).toBe('bad-header');
    expect(code({ maxSeqLen: 0 })).toBe('bad-header');
    expect(code({ formatVersion: 2 })).toBe('bad-header'); // disagrees with the prefix
    expect(code({ io: { tokens: 0, logits: 1 } })).toBe('bad-header');
    expect(code({ config: { ...(h.config as object), norm: 'batch' } })).toBe('bad-header');
    expect(code({ queueLengths: [1, -1] })).toBe('bad-header');
    const tensors = h.tensors as Record<string, unknown>[];
    expect(code({ tensors: [{ ...tensors[0], id: 5 }, ...tensors.slice(1)] })).toBe('bad-tensor-table');
    expect(code({ tensors: [{ ...tensors[0], dtype: 'f64' }, ...tensors.slice(1)] })).toBe(
      'bad-tensor-table',
    );
    expect(code({ tensors: [{ ...tensors[0], shape: [1, 2, 3, 4, 5] }, ...tensors.slice(1)] })).toBe(
      'bad-tensor-table',
    );
    expect(code({ tensors: [{ ...tensors[0], source: { kind: 'magic' } }, ...tensors.slice(1)] })).toBe(
      'bad-tensor-table',
    );
    expect(code({ queueLengths: [...(h.queueLengths as number[]), 0] })).toBe('ok');
    expect(
      code({ queueLengths: [(h.queueLengths as number[])[0]! + 1, (h.queueLengths as number[])[1]] }),
    ).toBe('truncated');
  });

  it('throws only ProgramFormatError on corrupted bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: bytes.byteLength - 1 }), fc.integer({ min: 0, max: 255 })),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.integer({ min: 0, max: bytes.byteLength }),
        (edits, cut) => {
          const b = bytes.slice(0, cut);
          for (const [at, v] of edits) if (at < b.byteLength) b[at] = v;
          const c = codeOf(() => readProgram(b));
          return !c.startsWith('other');
        },
      ),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        (b) => !codeOf(() => readProgram(b)).startsWith('other'),
      ),
    );
  });

  it('refuses to write what it could not read back', () => {
    expect(codeOf(() => writeProgram({ ...program, queues: [new Uint8Array(65)] }))).toBe('bad-queue-length');
    expect(codeOf(() => writeProgram({ ...program, formatVersion: 2 }))).toBe('unsupported-version');
    expect(codeOf(() => writeProgram({ ...program, maxSeqLen: -1 }))).toBe('bad-header');
    expect(() => writeProgram({ ...program, meta: { x: Number.NaN } })).toThrow(FieldRangeError);
  });
});
