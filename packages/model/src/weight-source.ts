/**
 * Evaluates a WeightSource (the scheduler's recipe for a weight tensor) against a checkpoint: shape
 * from headers alone, values by reading and transforming checkpoint tensors. This is the one place
 * that defines what each kind of source means; `Checkpoint.weight` goes through it too.
 */
import type { WeightSource } from '@megakernel/isa';
import type { Checkpoint, TensorInfo } from './checkpoint-types.js';
import { MissingTensorError, WeightSourceError } from './errors.js';

/** What evaluation needs from a checkpoint; any Checkpoint qualifies. */
export type TensorReader = Pick<Checkpoint, 'listTensors' | 'readTensor'> & {
  readonly dir?: string;
  /** Optional fast path for one tensor's header (a Checkpoint from loadCheckpoint has it). */
  tensorInfo?(name: string): TensorInfo;
};

/** The shape `materializeWeightSource` would produce, computed from tensor headers only. */
export function weightSourceShape(checkpoint: TensorReader, source: WeightSource): number[] {
  return evaluate(source, shapeLookup(checkpoint), undefined).shape;
}

/** The f32 values of any WeightSource: tensor, transpose, rows, concat, rope-permute, add-one (nested freely). */
export function materializeWeightSource(checkpoint: TensorReader, source: WeightSource): Float32Array {
  return evaluate(source, shapeLookup(checkpoint), checkpoint).data!;
}

interface Evaluated {
  readonly shape: number[];
  readonly data?: Float32Array;
}

type ShapeOf = (name: string) => readonly number[];

function shapeLookup(checkpoint: TensorReader): ShapeOf {
  const where = checkpoint.dir ?? 'checkpoint';
  if (checkpoint.tensorInfo !== undefined) return (name) => checkpoint.tensorInfo!(name).shape;
  let shapes: Map<string, readonly number[]> | undefined;
  return (name) => {
    shapes ??= new Map(checkpoint.listTensors().map((t) => [t.name, t.shape]));
    const shape = shapes.get(name);
    if (shape === undefined) throw new MissingTensorError(name, undefined, where);
    return shape;
  };
}

/** Evaluates the shape, and the data too when `reader` is given. */
function evaluate(source: WeightSource, shapeOf: ShapeOf, reader: TensorReader | undefined): Evaluated {
  switch (source.kind) {
    case 'tensor': {
      const shape = [...shapeOf(source.name)];
      return reader === undefined ? { shape } : { shape, data: reader.readTensor(source.name) };
    }
    case 'transpose': {
      const shape = shapeOf(source.name);
      if (shape.length !== 2) {
        throw new WeightSourceError(
          `transpose of '${source.name}' needs a 2-D tensor, got [${shape.join(', ')}]`,
        );
      }
      const [rows, cols] = shape as [number, number];
      if (reader === undefined) return { shape: [cols, rows] };
      return { shape: [cols, rows], data: transpose(reader.readTensor(source.name), rows, cols) };
    }
    case 'rows': {
      const inner = evaluate(source.source, shapeOf, reader);
      const [total = 0, ...rest] = inner.shape;
      const { start, count } = source;
      if (inner.shape.length === 0 || !Number.isInteger(start) || !Number.isInteger(count)) {
        throw new WeightSourceError(`rows [${start}, +${count}) of a [${inner.shape.join(', ')}] source`);
      }
      if (start < 0 || count < 0 || start + count > total) {
        throw new WeightSourceError(`rows [${start}, ${start + count}) outside a source of ${total} rows`);
      }
      const rowSize = product(rest);
      const shape = [count, ...rest];
      if (inner.data === undefined) return { shape };
      return { shape, data: inner.data.slice(start * rowSize, (start + count) * rowSize) };
    }
    case 'concat': {
      if (source.parts.length === 0) throw new WeightSourceError('concat of no parts');
      const parts = source.parts.map((p) => evaluate(p, shapeOf, reader));
      const rest = parts[0]!.shape.slice(1);
      for (const p of parts) {
        if (p.shape.length !== rest.length + 1 || p.shape.slice(1).some((d, i) => d !== rest[i])) {
          throw new WeightSourceError(
            `concat parts disagree past the first dimension: [${parts.map((q) => `[${q.shape.join(', ')}]`).join(', ')}]`,
          );
        }
      }
      const shape = [parts.reduce((n, p) => n + p.shape[0]!, 0), ...rest];
      if (reader === undefined) return { shape };
      const data = new Float32Array(product(shape));
      let at = 0;
      for (const p of parts) {
        data.set(p.data!, at);
        at += p.data!.length;
      }
      return { shape, data };
    }
    case 'stack': {
      if (source.parts.length === 0) throw new WeightSourceError('stack of no parts');
      const parts = source.parts.map((p) => evaluate(p, shapeOf, reader));
      const one = parts[0]!.shape;
      for (const p of parts) {
        if (p.shape.length !== one.length || p.shape.some((d, i) => d !== one[i])) {
          throw new WeightSourceError(
            `stack parts differ in shape: [${parts.map((q) => `[${q.shape.join(', ')}]`).join(', ')}]`,
          );
        }
      }
      const shape = [parts.length, ...one];
      if (reader === undefined) return { shape };
      const data = new Float32Array(product(shape));
      parts.forEach((p, e) => {
        data.set(p.data!, e * product(one));
      });
      return { shape, data };
    }
    case 'add-one': {
      const inner = evaluate(source.source, shapeOf, reader);
      if (inner.data === undefined) return { shape: inner.shape };
      return { shape: inner.shape, data: inner.data.map((v) => 1 + v) };
    }
    case 'rope-permute': {
      const inner = evaluate(source.source, shapeOf, reader);
      const { heads, headDim, rotaryDim } = source;
      const rows = inner.shape[0];
      if (rows !== heads * headDim || rotaryDim % 2 !== 0 || rotaryDim < 0 || rotaryDim > headDim) {
        throw new WeightSourceError(
          `rope-permute of ${heads} heads × ${headDim} (rotary ${rotaryDim}) over a [${inner.shape.join(', ')}] source`,
        );
      }
      if (inner.data === undefined) return { shape: inner.shape };
      return { shape: inner.shape, data: ropePermute(inner.data, heads, headDim, rotaryDim) };
    }
  }
}

/** Row-major [rows, cols] → [cols, rows], in tiles so both sides stay in cache. */
function transpose(input: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(input.length);
  const tile = 32;
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const r1 = Math.min(rows, r0 + tile);
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const c1 = Math.min(cols, c0 + tile);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) out[c * rows + r] = input[r * cols + c]!;
      }
    }
  }
  return out;
}

/**
 * Within each head, rows [0, rot) in rotate-half order (x0..x_{rot/2-1}, then their partners) become
 * interleaved (x0, x_{rot/2}, x1, x_{rot/2+1}, ...), so RoPE pairs are adjacent rows; rows from rot
 * to headDim are unchanged. Works for 2-D weights (whole rows move) and 1-D biases alike.
 */
function ropePermute(input: Float32Array, heads: number, headDim: number, rot: number): Float32Array {
  const rowSize = input.length / (heads * headDim);
  const out = input.slice();
  const half = rot / 2;
  for (let h = 0; h < heads; h++) {
    const base = h * headDim;
    for (let i = 0; i < half; i++) {
      out.set(input.subarray((base + i) * rowSize, (base + i + 1) * rowSize), (base + 2 * i) * rowSize);
      out.set(
        input.subarray((base + half + i) * rowSize, (base + half + i + 1) * rowSize),
        (base + 2 * i + 1) * rowSize,
      );
    }
  }
  return out;
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
