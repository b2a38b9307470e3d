/**
 * Per-opcode geometry: every index an instruction makes a VM touch, checked against the shapes of
 * the tensors it names. A check marked `safety` guards memory (a VM would read or write outside a
 * tensor, or divide by zero) and runs in release mode too; the others catch programs that are safe
 * but wrong or wasteful, and run in strict mode only. Dimensions follow the operand docs; each op's
 * rules are its descriptor's `geometry` (ops/*.ts), written with the helpers here.
 */

import { FLAG_NORM_LAYER, FLAG_NORM_NO_WEIGHT } from './flags.js';
import type { Instruction, InstructionField } from './instruction-layout.js';
import type { OpcodeInfo } from './op-descriptor.js';
import type { TensorEntry } from './program-types.js';
import { tensorElementCount } from './tensor-extent.js';

export type GeometryReport = (
  field: string,
  value: unknown,
  rule: string,
  safety: boolean,
  detail: string,
) => void;

export class Geometry {
  constructor(
    readonly inst: Instruction,
    readonly info: OpcodeInfo,
    /** Operand name → tensor, for present operands whose ids are in range. */
    readonly tensors: ReadonlyMap<string, TensorEntry>,
    readonly maxSeqLen: number,
    readonly report: GeometryReport,
  ) {}

  has(name: string): boolean {
    return this.tensors.has(name);
  }
  shape(name: string): readonly number[] {
    return this.tensors.get(name)?.shape ?? [];
  }
  elements(name: string): number {
    const t = this.tensors.get(name);
    return t ? tensorElementCount(t) : 0;
  }
  field(name: string): InstructionField {
    return (
      this.info.tensors.find((t) => t.name === name)?.slot ??
      this.info.args.find((a) => a.name === name)?.field ??
      'opcode'
    );
  }
  arg(name: string): number {
    return this.inst[this.field(name)];
  }
  flag(mask: number): boolean {
    return (this.inst.flags & mask) !== 0;
  }

  /** Shape has exactly `rank` dims; false (and reported) otherwise, so callers skip dependent checks. */
  rank(name: string, rank: number): boolean {
    if (!this.has(name)) return false;
    const s = this.shape(name);
    if (s.length === rank) return true;
    this.report(name, `[${s.join(',')}]`, 'shape-mismatch', true, `${name} must have rank ${rank}`);
    return false;
  }
  /** A dimension a VM indexes by: must equal `want`; a smaller one would be overrun. */
  dimEq(name: string, dim: number, want: number, what: string): void {
    const got = this.shape(name)[dim];
    if (got !== want) {
      this.report(
        name,
        got,
        'shape-mismatch',
        got === undefined || got < want,
        `${name}[${dim}] must be ${what} = ${want}`,
      );
    }
  }
  /** A tensor read or written as a vector of `n` elements (and so sized exactly n). */
  vector(name: string, n: number, what: string): void {
    if (!this.has(name)) return;
    const got = this.elements(name);
    if (got < n) this.report(name, got, 'tensor-too-small', true, `${name} needs ${what} = ${n} elements`);
    else if (got > n)
      this.report(name, got, 'shape-mismatch', false, `${name} should hold exactly ${what} = ${n}`);
  }
  /** A tensor indexed by `pos` along `dim`: must have a row for every position below maxSeqLen. */
  seqRows(name: string, dim: number): void {
    const got = this.shape(name)[dim];
    if (this.has(name) && (got === undefined || got < this.maxSeqLen)) {
      this.report(name, got, 'seq-capacity', true, `${name}[${dim}] must be >= maxSeqLen ${this.maxSeqLen}`);
    }
  }
  /** [start, start + count) inside [0, limit); count 0 is a safe but empty tile. */
  range(
    startName: string,
    countName: string,
    limit: number,
    start = this.arg(startName),
    count = this.arg(countName),
  ): void {
    if (count === 0)
      this.report(countName, 0, 'empty-tile', false, `${countName} is 0: the instruction does nothing`);
    if (start + count > limit) {
      this.report(
        countName,
        count,
        'tile-out-of-range',
        true,
        `${startName} ${start} + ${countName} ${count} > ${limit}`,
      );
    }
  }
  /** The k range of a linear op: kCount 0 means through the end. */
  kRange(K: number): void {
    const kStart = this.arg('kStart');
    const kCount = this.arg('kCount');
    if (kCount === 0) {
      if (kStart >= K)
        this.report(
          'kStart',
          kStart,
          kStart > K ? 'tile-out-of-range' : 'empty-tile',
          kStart > K,
          `kStart ${kStart} >= K ${K}`,
        );
    } else this.range('kStart', 'kCount', K);
  }
  mismatch(name: string, value: unknown, rule: string, safety: boolean, detail: string): void {
    this.report(name, value, rule, safety, detail);
  }
  /** gamma (and beta) for a vector of n; absence must agree with the noWeight flag. */
  normParams(n: number, layerNorm: boolean): void {
    const noWeight = this.flag(FLAG_NORM_NO_WEIGHT);
    if (!this.has('normParams')) {
      if (!noWeight && this.inst[this.field('normParams')] === 0xffff) {
        this.mismatch(
          'normParams',
          'none',
          'required-tensor-missing',
          true,
          'normParams is required unless noWeight',
        );
      }
      return;
    }
    if (noWeight)
      this.mismatch('normParams', 'present', 'flag-operand-mismatch', false, 'noWeight but normParams given');
    if (!this.rank('normParams', 2)) return;
    const rows = this.shape('normParams')[0]!;
    if (rows < 1 || rows > 2)
      this.mismatch('normParams', rows, 'shape-mismatch', true, 'normParams has 1 or 2 rows');
    else if (rows === 2 && !layerNorm)
      this.mismatch('normParams', rows, 'shape-mismatch', false, 'beta without LayerNorm');
    this.dimEq('normParams', 1, n, 'the normalised length');
  }
  /** Hq, d from q [Hq, d]; Hkv from a KV cache [2, maxSeq, Hkv, d]. */
  heads(qName: string, kvName: string): { Hq: number; d: number; Hkv: number } | undefined {
    if (!this.rank(qName, 2) || !this.rank(kvName, 4)) return undefined;
    const [Hq, d] = this.shape(qName) as [number, number];
    const Hkv = this.shape(kvName)[2]!;
    this.dimEq(kvName, 0, 2, 'K and V');
    this.dimEq(kvName, 3, d, 'head dim d');
    this.seqRows(kvName, 1);
    return { Hq, d, Hkv };
  }
  ropeTable(name: string, d: number): void {
    if (!this.rank(name, 3)) return;
    const [, half, two] = this.shape(name) as [number, number, number];
    this.seqRows(name, 0);
    if (two !== 2) this.mismatch(name, two, 'shape-mismatch', true, `${name}[2] must be 2 (cos, sin)`);
    if (2 * half > d)
      this.mismatch(name, half, 'shape-mismatch', true, `rotary dims ${2 * half} exceed head dim ${d}`);
  }
  argmaxKeys(name: string): void {
    if (!this.rank(name, 2)) return;
    this.dimEq(name, 1, 2, 'two u32 words per key');
    this.seqRows(name, 0);
  }
}

/**
 * A linear tile of W [N, K]. `partialK` is the flag that lets a tile cover only part of the columns
 * (split-K partners, accumulation); without it the tile must take every column, since a tile that
 * silently drops columns still runs, to a wrong product.
 */
export function linear(g: Geometry, xName: string, yName: string, partialK: number): void {
  if (!g.rank('W', 2)) return;
  const [N, K] = g.shape('W') as [number, number];
  g.vector(xName, K, 'K');
  g.vector(yName, N, 'N');
  g.vector('bias', N, 'N');
  g.range('rowStart', 'rowCount', N);
  g.kRange(K);
  const kStart = g.arg('kStart');
  const kCount = g.arg('kCount');
  if (!g.flag(partialK) && (kStart !== 0 || (kCount !== 0 && kCount !== K))) {
    g.mismatch(
      'kCount',
      kCount,
      'partial-k',
      false,
      `columns [${kStart}, +${kCount}) of ${K} without a split flag`,
    );
  }
}

export function fusedNormLinear(g: Geometry, wName: string): [number, number] | undefined {
  if (!g.rank(wName, 2)) return undefined;
  const [N, K] = g.shape(wName) as [number, number];
  g.vector('x', K, 'hidden');
  g.normParams(K, g.flag(FLAG_NORM_LAYER));
  g.range('rowStart', 'rowCount', N);
  return [N, K];
}

export function elementwiseRange(g: Geometry): void {
  const offset = g.arg('offset');
  const count = g.arg('count');
  if (count === 0) g.mismatch('count', 0, 'empty-tile', false, 'count is 0: the instruction does nothing');
  for (const t of g.info.tensors) {
    if (g.has(t.name) && offset + count > g.elements(t.name)) {
      g.mismatch(
        t.name,
        g.elements(t.name),
        'tile-out-of-range',
        true,
        `offset ${offset} + count ${count} > ${t.name} elements`,
      );
    }
  }
}

export function checkGeometry(
  inst: Instruction,
  info: OpcodeInfo,
  tensors: ReadonlyMap<string, TensorEntry>,
  maxSeqLen: number,
  report: GeometryReport,
): void {
  info.geometry?.(new Geometry(inst, info, tensors, maxSeqLen, report));
}
