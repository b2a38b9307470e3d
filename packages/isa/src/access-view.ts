/**
 * What an op's access model is written against: its named operands, the tensor table's shapes and
 * the decode position, and a list of accesses it adds to (element intervals per tensor). Ops'
 * `accesses` functions (ops/*.ts) use it; `instructionAccesses` (access-model.ts) runs them.
 *
 * Positions: an access that depends on the decode position is computed at `ctx.pos`. With
 * `kvRows: 'current'` (race checking and counter derivation) a KV-cache read covers only the row of
 * the current position, for every attention chunk: rows before `pos` were written in earlier steps
 * (which the step-separation check orders), and over all steps every chunk may contain `pos`.
 * With `kvRows: 'visible'` (cost model, the VM's recorded accesses) it covers the chunk's share of
 * the visible rows.
 */
import { type Instruction, NONE16 } from './instruction-layout.js';
import type { OpcodeInfo } from './op-descriptor.js';
import type { TensorEntry } from './program-types.js';
import { operandView, seesTokenRow, tokenRowElements } from './token-axis.js';

/** `atomic-*` accesses commute with others of the same kind (split-K adds, argmax folds). */
export type AccessKind = 'read' | 'write' | 'atomic-add' | 'atomic-max';

export interface Access {
  readonly tensor: number;
  readonly kind: AccessKind;
  /** Flat element intervals [lo, hi) as consecutive pairs, ascending and disjoint. */
  readonly intervals: readonly number[];
  /**
   * The elements depend on data, not only on operands and `pos` (the embedding row of the token):
   * `intervals` then stand for any one such row, the same size as the real one.
   */
  readonly dataDependent?: boolean;
  /**
   * The access happens or not depending on data (EMBED_GATHER writes a token back only when the
   * prompt has none there). The analyses treat it as made; a recorded run may skip it.
   */
  readonly conditional?: boolean;
  /** The read half of an in-place update (the write of the same elements follows it). */
  readonly inPlace?: boolean;
  /**
   * An element-wise read: element i is read only to write element i of the output, so the operand may
   * name the output tensor itself (MUL in place on the activation, SCALE on the logits).
   */
  readonly elementwise?: boolean;
}

export interface AccessContext {
  readonly pos: number;
  readonly kvRows: 'visible' | 'current';
  /** Byte counting only: each access gets one interval [0, n) of the right size instead of its real ones. */
  readonly sizesOnly?: boolean;
  /**
   * Omit reads of weights-region tensors (still bounds-checked): the conflict analyses skip them
   * once `weightWrites` has shown that nothing writes a weight.
   */
  readonly skipWeights?: boolean;
}

/** An operand range outside its tensor: the instruction would read or write out of bounds. */
export class AccessBoundsError extends Error {
  override readonly name = 'AccessBoundsError';
}

export const numel = (t: TensorEntry): number => t.shape.reduce((a, b) => a * b, 1);

/** Flat intervals of the box [lo, hi) of a row-major tensor; trailing full dims merge into runs. */
export function boxIntervals(
  shape: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
): number[] {
  const n = shape.length;
  for (let d = 0; d < n; d++) {
    if (lo[d]! < 0 || hi[d]! > shape[d]! || lo[d]! > hi[d]!) {
      throw new AccessBoundsError(
        `box [${lo.join(',')}]..[${hi.join(',')}] outside shape [${shape.join(',')}]`,
      );
    }
    if (lo[d] === hi[d]) return [];
  }
  if (n === 0) return [0, 1];
  let k = n - 1;
  let inner = 1;
  while (k > 0 && lo[k] === 0 && hi[k] === shape[k]) {
    inner *= shape[k]!;
    k--;
  }
  const runStart = lo[k]! * inner;
  const runLen = (hi[k]! - lo[k]!) * inner;
  const strides = new Array<number>(n).fill(1);
  for (let d = n - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  const out: number[] = [];
  const walk = (d: number, base: number): void => {
    if (d === k) {
      const s = base + runStart;
      // Adjacent runs (a full dim just outside the partial one) merge.
      if (out.length > 0 && out[out.length - 1] === s) out[out.length - 1] = s + runLen;
      else out.push(s, s + runLen);
      return;
    }
    for (let i = lo[d]!; i < hi[d]!; i++) walk(d + 1, base + i * strides[d]!);
  };
  walk(0, 0);
  return out;
}

/** One interval [0, n) as long as the box: for byte counting, where runs do not matter. */
function boxSize(shape: readonly number[], lo: readonly number[], hi: readonly number[]): number[] {
  let n = 1;
  for (let d = 0; d < shape.length; d++) {
    if (lo[d]! < 0 || hi[d]! > shape[d]! || lo[d]! > hi[d]!) return boxIntervals(shape, lo, hi);
    n *= hi[d]! - lo[d]!;
  }
  return n > 0 ? [0, n] : [];
}

/** Keys [start, end) of chunk `chunk` of `chunks` at `pos` (ISA.md, ATTENTION_PARTIAL): floor split of the visible range. */
export function attentionChunkRows(
  pos: number,
  window: number,
  chunk: number,
  chunks: number,
): [number, number] {
  const lo = window > 0 ? Math.max(0, pos - window + 1) : 0;
  const n = pos - lo + 1;
  return [lo + Math.floor((chunk * n) / chunks), lo + Math.floor(((chunk + 1) * n) / chunks)];
}

type Intervals = number[];

/** One instruction's operands, as its access model sees them. */
export class AccessView {
  readonly out: Access[] = [];

  constructor(
    readonly inst: Instruction,
    readonly info: OpcodeInfo,
    private readonly tensors: readonly TensorEntry[],
    readonly ctx: AccessContext,
  ) {}

  /** The instruction's position: the step's position plus its token (prefill; token 0 in decode). */
  get pos(): number {
    return this.ctx.pos + this.inst.token;
  }

  /** The tensor a (required) operand names. */
  tensor(name: string): TensorEntry {
    const t = this.opt(name);
    if (!t) throw new AccessBoundsError(`${this.info.name}: operand ${name} names no tensor`);
    return t;
  }
  /** The tensor an optional operand names (a token-axis tensor's row: token-axis.ts), or undefined. */
  opt(name: string): TensorEntry | undefined {
    const operand = this.info.tensors.find((o) => o.name === name);
    if (!operand) throw new AccessBoundsError(`${this.info.name} has no tensor operand ${name}`);
    const id = this.inst[operand.slot];
    if (id === NONE16) return undefined;
    const t = this.tensors[id];
    if (t === undefined) throw new AccessBoundsError(`${name}: tensor id ${id} is not in the tensor table`);
    return operandView(t, this.info);
  }

  arg(name: string): number {
    const a = this.info.args.find((o) => o.name === name);
    if (!a) throw new AccessBoundsError(`${this.info.name} has no argument ${name}`);
    return this.inst[a.field];
  }
  flag(mask: number): boolean {
    return (this.inst.flags & mask) !== 0;
  }

  // Element sets of a tensor.
  private skip(t: TensorEntry): boolean {
    return this.ctx.skipWeights === true && t.region === 'weights';
  }
  box(t: TensorEntry, lo: readonly number[], hi: readonly number[]): Intervals {
    return (this.ctx.sizesOnly || this.skip(t) ? boxSize : boxIntervals)(t.shape, lo, hi);
  }
  /** Flat elements [lo, hi). */
  flat(t: TensorEntry, lo: number, hi: number): Intervals {
    return (this.ctx.sizesOnly || this.skip(t) ? boxSize : boxIntervals)([numel(t)], [lo], [hi]);
  }
  whole(t: TensorEntry): Intervals {
    return [0, numel(t)];
  }
  /** Rows [r0, r1) (and columns [k0, k1) when given) of a tensor seen as [rows, rest]. */
  rows(t: TensorEntry, r0: number, r1: number, k0?: number, k1?: number): Intervals {
    if (t.shape.length === 1) return this.box(t, [r0], [r1]);
    const cols = numel(t) / t.shape[0]!;
    const shape = [t.shape[0]!, cols];
    return (this.ctx.sizesOnly || this.skip(t) ? boxSize : boxIntervals)(
      shape,
      [r0, k0 ?? 0],
      [r1, k1 ?? cols],
    );
  }
  row(t: TensorEntry, r: number): Intervals {
    return this.rows(t, r, r + 1);
  }

  // Accesses.
  private add(
    t: TensorEntry,
    kind: AccessKind,
    rowIntervals: Intervals,
    how?: 'dataDependent' | 'conditional' | 'inPlace' | 'elementwise',
  ): void {
    if (rowIntervals.length === 0 || (kind === 'read' && this.skip(t))) return;
    // A token row's intervals, as elements of the whole token-axis tensor.
    const whole = this.tensors[t.id];
    const shift =
      whole && seesTokenRow(whole, this.info) && !this.ctx.sizesOnly
        ? this.inst.token * tokenRowElements(whole)
        : 0;
    const intervals = shift === 0 ? rowIntervals : rowIntervals.map((x) => x + shift);
    this.out.push(how ? { tensor: t.id, kind, intervals, [how]: true } : { tensor: t.id, kind, intervals });
  }
  read(t: TensorEntry, intervals: Intervals): void {
    this.add(t, 'read', intervals);
  }
  /** An element-wise read (see Access.elementwise). */
  readElementwise(t: TensorEntry, intervals: Intervals): void {
    this.add(t, 'read', intervals, 'elementwise');
  }
  /** A read whose elements depend on data; `intervals` stand for any one such set (see Access). */
  readDataDependent(t: TensorEntry, intervals: Intervals): void {
    this.add(t, 'read', intervals, 'dataDependent');
  }
  /** A read that may not happen, depending on data (see Access.conditional). */
  mayRead(t: TensorEntry, intervals: Intervals): void {
    this.add(t, 'read', intervals, 'conditional');
  }
  /** A write that may not happen, depending on data (see Access.conditional). */
  mayWrite(t: TensorEntry, intervals: Intervals): void {
    this.add(t, 'write', intervals, 'conditional');
  }
  write(t: TensorEntry, intervals: Intervals): void {
    this.add(t, 'write', intervals);
  }
  /** Read, then write the same elements (in place). */
  update(t: TensorEntry, intervals: Intervals): void {
    this.add(t, 'read', intervals, 'inPlace');
    this.add(t, 'write', intervals);
  }
  atomicAdd(t: TensorEntry, intervals: Intervals): void {
    this.add(t, 'atomic-add', intervals);
  }
  atomicMax(t: TensorEntry, intervals: Intervals): void {
    this.add(t, 'atomic-max', intervals);
  }
  /** Reports an operand combination the model cannot describe (the instruction is out of bounds). */
  bounds(problem: string): never {
    throw new AccessBoundsError(problem);
  }
}
