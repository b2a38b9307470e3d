import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsFormatError } from './errors.js';
import { MAX_HEADER_BYTES } from './safetensors-header.js';
import { openSafetensors } from './safetensors-reader.js';
import { writeSafetensors } from './safetensors-writer.js';
import { FIXTURES_DIR, fixtureDir, useTempDirs } from './test-helpers.js';

const tempDir = useTempDirs();

/** A safetensors file built by hand: an arbitrary header (or its length) and `dataBytes` of data. */
function rawFile(header: unknown, dataBytes: number, lengthOverride?: bigint): string {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + dataBytes);
  new DataView(bytes.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  bytes.set(json, 8);
  for (let i = 0; i < dataBytes; i++) bytes[8 + json.length + i] = i & 0xff;
  const file = path.join(tempDir(), 'bad.safetensors');
  fs.writeFileSync(file, bytes);
  return file;
}

function problemOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsFormatError);
    return (e as SafetensorsFormatError).problem;
  }
  throw new Error('expected a SafetensorsFormatError');
}

const f32 = (shape: number[], begin: number) => ({
  dtype: 'F32',
  shape,
  data_offsets: [begin, begin + 4 * shape.reduce((a, b) => a * b, 1)],
});

describe('reading safetensors', () => {
  it('lists the tensors of a fixture from its header alone, with metadata', () => {
    const f = openSafetensors(path.join(FIXTURES_DIR, 'llama-tiny', 'model.safetensors'));
    expect(f.list()).toHaveLength(21);
    expect(f.info('model.layers.0.self_attn.k_proj.weight')).toEqual({
      name: 'model.layers.0.self_attn.k_proj.weight',
      dtype: 'BF16',
      shape: [32, 64],
    });
    expect(f.metadata).toEqual({ format: 'pt' });
    f.close();
  });

  it('reads the reference prompt ids (I64) as the bytes of the prompt', () => {
    const f = openSafetensors(path.join(FIXTURES_DIR, 'gpt2-tiny', 'reference.safetensors'));
    const ids = f.readTyped('input_ids') as BigInt64Array;
    const text = 'Once upon a time, there was a tiny kernel';
    expect([...ids].map(Number)).toEqual([...new TextEncoder().encode(text)]);
    expect([...f.readF32('input_ids')]).toEqual([...new TextEncoder().encode(text)]);
    expect(f.info('logits').shape).toEqual([41, 256]);
    f.close();
  });

  it('accepts data_offsets in any order and lists tensors in file order', () => {
    const file = rawFile({ b: f32([2], 8), a: f32([2], 0) }, 16);
    const f = openSafetensors(file);
    // Listed in file order, whatever the header order.
    expect(f.list().map((t) => t.name)).toEqual(['a', 'b']);
    expect(new Uint8Array(f.readF32('b').buffer)).toEqual(Uint8Array.from([8, 9, 10, 11, 12, 13, 14, 15]));
    f.close();
  });

  it('lists a 3 GB file without reading it (sparse file, lazy reads)', () => {
    const big = 3 * 1024 ** 3;
    const header = JSON.stringify({
      small: { dtype: 'U8', shape: [4], data_offsets: [big, big + 4] },
      huge: { dtype: 'BF16', shape: [big / 2], data_offsets: [0, big] },
    });
    const json = new TextEncoder().encode(header);
    const file = path.join(tempDir(), 'big.safetensors');
    const fd = fs.openSync(file, 'w');
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
    fs.writeSync(fd, prefix);
    fs.writeSync(fd, json);
    fs.writeSync(fd, Uint8Array.from([1, 2, 3, 4]), 0, 4, 8 + json.length + big);
    fs.closeSync(fd);
    const before = process.memoryUsage().rss;
    const f = openSafetensors(file);
    expect(f.info('huge').shape).toEqual([big / 2]);
    expect([...f.readTyped('small')]).toEqual([1, 2, 3, 4]);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 ** 2);
    f.close();
  });
});

describe('malformed safetensors are named errors', () => {
  it('truncated file: shorter than the 8-byte length', () => {
    const file = path.join(tempDir(), 'short.safetensors');
    fs.writeFileSync(file, Uint8Array.from([1, 2, 3]));
    expect(problemOf(() => openSafetensors(file))).toBe('truncated');
  });

  it('truncated file: cut inside the data section', () => {
    const dir = tempDir();
    const file = path.join(dir, 'cut.safetensors');
    writeSafetensors(file, { x: { dtype: 'F32', shape: [16], data: new Float32Array(16) } });
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    // The header still describes the full data, so the last tensor now runs past the end.
    expect(problemOf(() => openSafetensors(file))).toBe('offsets-out-of-range');
    expect(() => openSafetensors(file)).toThrow(/file truncated/);
  });

  it('truncated file: shrunk after opening is reported when read', () => {
    const file = path.join(tempDir(), 'shrink.safetensors');
    writeSafetensors(file, { x: { dtype: 'F32', shape: [16], data: new Float32Array(16) } });
    const f = openSafetensors(file);
    fs.truncateSync(file, 40);
    expect(problemOf(() => f.readF32('x'))).toBe('truncated');
    f.close();
  });

  it('header length past the end of the file is refused before allocating', () => {
    expect(problemOf(() => openSafetensors(rawFile({}, 0, 1000n)))).toBe('header-length');
    // A hostile 2^62 length in a tiny file must not try to allocate exabytes.
    expect(problemOf(() => openSafetensors(rawFile({}, 0, 2n ** 62n)))).toBe('header-length');
  });

  it('header longer than the cap is refused', () => {
    const file = path.join(tempDir(), 'huge-header.safetensors');
    const fd = fs.openSync(file, 'w');
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
    fs.writeSync(fd, prefix);
    fs.ftruncateSync(fd, MAX_HEADER_BYTES + 100);
    fs.closeSync(fd);
    expect(problemOf(() => openSafetensors(file))).toBe('header-length');
  });

  it('header that is not JSON, or not an object', () => {
    expect(problemOf(() => openSafetensors(rawFile('{"a": ', 0)))).toBe('header-json');
    expect(problemOf(() => openSafetensors(rawFile('[1, 2]', 0)))).toBe('header-json');
  });

  it('overlapping data_offsets', () => {
    const file = rawFile({ a: f32([4], 0), b: f32([2], 8) }, 16);
    expect(problemOf(() => openSafetensors(file))).toBe('offsets-overlap');
  });

  it('data_offsets out of range', () => {
    expect(problemOf(() => openSafetensors(rawFile({ a: f32([4], 8) }, 16)))).toBe('offsets-out-of-range');
    const reversed = { a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } };
    expect(problemOf(() => openSafetensors(rawFile(reversed, 16)))).toBe('offsets-out-of-range');
    const negative = { a: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } };
    expect(problemOf(() => openSafetensors(rawFile(negative, 16)))).toBe('offsets-out-of-range');
  });

  it('dtype × shape that disagrees with the offsets', () => {
    const file = rawFile({ a: { dtype: 'BF16', shape: [3, 2], data_offsets: [0, 16] } }, 16);
    expect(problemOf(() => openSafetensors(file))).toBe('size-mismatch');
    const absurd = rawFile({ a: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 0] } }, 0);
    expect(problemOf(() => openSafetensors(absurd))).toBe('size-mismatch');
  });

  it('unsupported dtype and bad shapes', () => {
    const f64 = rawFile({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, 16);
    expect(() => openSafetensors(f64)).toThrow(/tensor 'a': dtype "F64"/);
    const shape = rawFile({ a: { dtype: 'U8', shape: [2.5], data_offsets: [0, 2] } }, 2);
    expect(problemOf(() => openSafetensors(shape))).toBe('shape');
  });

  it('__metadata__ that is not a string map', () => {
    expect(problemOf(() => openSafetensors(rawFile({ __metadata__: { n: 1 } }, 0)))).toBe('metadata');
  });

  it('a gap between tensors (bytes no tensor covers)', () => {
    const file = rawFile({ a: f32([2], 0), b: f32([2], 12) }, 20);
    expect(problemOf(() => openSafetensors(file))).toBe('offsets-gap');
    expect(() => openSafetensors(file)).toThrow(/tensor 'b'.*bytes \[8, 12\).*after tensor 'a'/);
  });

  it('a gap before the first tensor', () => {
    expect(problemOf(() => openSafetensors(rawFile({ a: f32([2], 4) }, 12)))).toBe('offsets-gap');
  });

  it('trailing bytes after the last tensor', () => {
    const file = rawFile({ a: f32([2], 0) }, 9);
    expect(problemOf(() => openSafetensors(file))).toBe('trailing-bytes');
    expect(() => openSafetensors(file)).toThrow(/1 bytes follow the last tensor/);
  });

  it('a file written by the writer, then one byte appended', () => {
    const file = path.join(tempDir(), 'extra.safetensors');
    writeSafetensors(file, { x: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
    fs.appendFileSync(file, Uint8Array.from([0]));
    expect(problemOf(() => openSafetensors(file))).toBe('trailing-bytes');
  });

  it('a header-length field one byte short (the JSON padding shifts into the data)', () => {
    // The writer pads the JSON with spaces to a multiple of 8, so one byte less is still valid JSON;
    // the data section then starts one byte early and every tensor reads shifted bytes.
    const file = path.join(tempDir(), 'short-length.safetensors');
    writeSafetensors(file, { x: { dtype: 'F32', shape: [4], data: Float32Array.from([1, 2, 3, 4]) } });
    const bytes = new Uint8Array(fs.readFileSync(file));
    const view = new DataView(bytes.buffer);
    const length = view.getBigUint64(0, true);
    expect(bytes[8 + Number(length) - 1]).toBe(0x20); // a padding space, so the JSON still parses
    view.setBigUint64(0, length - 1n, true);
    fs.writeFileSync(file, bytes);
    expect(problemOf(() => openSafetensors(file))).toBe('trailing-bytes');
  });

  it('the same header-length field one byte short on the llama-tiny fixture', () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(fixtureDir('llama-tiny'), 'model.safetensors')));
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, view.getBigUint64(0, true) - 1n, true);
    const file = path.join(tempDir(), 'model.safetensors');
    fs.writeFileSync(file, bytes);
    // The fixture's header ends in one padding space, so the JSON still parses: only coverage catches it.
    expect(problemOf(() => openSafetensors(file))).toBe('trailing-bytes');
  });

  it('a buffer shorter than the tensors (every tensor in range but the file cut after the last)', () => {
    // The last tensor's end is past the data section: a short buffer, named as such.
    const file = rawFile({ a: f32([2], 0), b: f32([2], 8) }, 12);
    expect(problemOf(() => openSafetensors(file))).toBe('offsets-out-of-range');
    expect(() => openSafetensors(file)).toThrow(/file truncated/);
  });

  it('a zero-length tensor inside another tensor overlaps it', () => {
    const empty = { dtype: 'F32', shape: [0], data_offsets: [4, 4] };
    expect(problemOf(() => openSafetensors(rawFile({ a: f32([2], 0), e: empty }, 8)))).toBe(
      'offsets-overlap',
    );
  });

  it('zero-length tensors at the boundaries are fine', () => {
    const empty = (at: number) => ({ dtype: 'F32', shape: [0], data_offsets: [at, at] });
    const f = openSafetensors(rawFile({ e0: empty(0), a: f32([2], 0), e8: empty(8) }, 8));
    expect(f.list().map((t) => t.name)).toContain('a');
    f.close();
  });

  it('a path that is a directory is named, not a bare EISDIR', () => {
    const dir = path.join(tempDir(), 'model.safetensors');
    fs.mkdirSync(dir);
    expect(problemOf(() => openSafetensors(dir))).toBe('not-a-file');
    expect(() => openSafetensors(dir)).toThrow(`${dir}: is a directory, not a safetensors file`);
  });

  it('names the file in the message', () => {
    const file = rawFile({ a: f32([4], 0), b: f32([2], 8) }, 16);
    expect(() => openSafetensors(file)).toThrow(file);
  });
});
