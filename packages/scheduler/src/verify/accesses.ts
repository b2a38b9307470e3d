/**
 * What every instruction reads and writes: element intervals per tensor, computed from its operands
 * and the tensor table's shapes. The verifier, the counter derivation and the cost model all read
 * instructions through this one table, so they cannot disagree about what a tile touches.
 *
 * Positions: an access that depends on the decode position is computed at `ctx.pos`. With
 * `kvRows: 'current'` (race checking and counter derivation) a KV-cache read covers only the row of
 * the current position, for every attention chunk: rows before `pos` were written in earlier steps
 * (which the step-separation check orders), and over all steps every chunk may contain `pos`.
 * With `kvRows: 'visible'` (cost model) it covers the chunk's share of the visible rows.
 */
import {
  FLAG_ACCUMULATE,
  FLAG_ATTN_DIRECT,
  FLAG_EMBED_FROM_ARGMAX,
  FLAG_SPLIT_K,
  type Instruction,
  NONE16,
  Op,
  opcodeInfo,
  type TensorEntry,
} from '@megakernel/isa';

/** `atomic-*` accesses commute with others of the same kind (split-K adds, argmax folds). */
export type AccessKind = 'read' | 'write' | 'atomic-add' | 'atomic-max';

export interface Access {
  readonly tensor: number;
  readonly kind: AccessKind;
  /** Flat element intervals [lo, hi) as consecutive pairs, ascending and disjoint. */
  readonly intervals: readonly number[];
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

export function accessElementCount(a: Access): number {
  let n = 0;
  for (let i = 0; i < a.intervals.length; i += 2) n += a.intervals[i + 1]! - a.intervals[i]!;
  return n;
}

const numel = (t: TensorEntry): number => t.shape.reduce((a, b) => a * b, 1);

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

/** Every access of `inst`; throws AccessBoundsError for an operand range outside its tensor. */
export function instructionAccesses(
  inst: Instruction,
  tensors: readonly TensorEntry[],
  ctx: AccessContext,
): Access[] {
  const out: Access[] = [];
  const tensor = (id: number, what: string): TensorEntry => {
    const t = tensors[id];
    if (t === undefined) throw new AccessBoundsError(`${what}: tensor id ${id} is not in the tensor table`);
    return t;
  };
  const opt = (id: number, what: string): TensorEntry | undefined =>
    id === NONE16 ? undefined : tensor(id, what);
  const skip = (t: TensorEntry): boolean => ctx.skipWeights === true && t.region === 'weights';
  const add = (t: TensorEntry, kind: AccessKind, intervals: number[]): void => {
    if (intervals.length > 0 && !(kind === 'read' && skip(t))) out.push({ tensor: t.id, kind, intervals });
  };
  const box = ctx.sizesOnly ? boxSize : boxIntervals;
  const boxOf = (t: TensorEntry) => (skip(t) ? boxSize : box);
  const flat = (t: TensorEntry, lo: number, hi: number): number[] => boxOf(t)([numel(t)], [lo], [hi]);
  const whole = (t: TensorEntry): number[] => [0, numel(t)];
  /** Rows [r0, r1) (and columns [k0, k1) when given) of a 2-D or 1-D tensor. */
  const rows = (t: TensorEntry, r0: number, r1: number, k0?: number, k1?: number): number[] => {
    if (t.shape.length === 1) return boxOf(t)(t.shape, [r0], [r1]);
    const cols = numel(t) / t.shape[0]!;
    return boxOf(t)([t.shape[0]!, cols], [r0, k0 ?? 0], [r1, k1 ?? cols]);
  };
  const rowOf = (t: TensorEntry, r: number): number[] => rows(t, r, r + 1);
  const { a0, a1, a2, a3, flags } = inst;

  /** A [N, K] weight tile: rows [a0, a0+a1), columns [kStart, kStart+kCount). */
  const matvecTile = (
    x: TensorEntry,
    w: TensorEntry,
    bias: TensorEntry | undefined,
    kStart: number,
    kCount: number,
  ) => {
    const k = w.shape[1] ?? 1;
    const kc = kCount === 0 ? k - kStart : kCount;
    add(x, 'read', flat(x, kStart, kStart + kc));
    add(w, 'read', rows(w, a0, a0 + a1, kStart, kStart + kc));
    if (bias && kStart === 0) add(bias, 'read', flat(bias, a0, a0 + a1));
  };
  const normInput = (x: TensorEntry, params: TensorEntry | undefined) => {
    add(x, 'read', whole(x));
    if (params) add(params, 'read', whole(params));
  };

  switch (inst.opcode) {
    case Op.NOOP:
    case Op.BARRIER:
      break;
    case Op.EMBED_GATHER: {
      const fromArgmax = (flags & FLAG_EMBED_FROM_ARGMAX) !== 0;
      const tokens = tensor(inst.t0, 'tokens');
      add(tokens, 'read', flat(tokens, ctx.pos, ctx.pos + 1));
      if (fromArgmax) add(tokens, 'write', flat(tokens, ctx.pos, ctx.pos + 1));
      // The gathered row is data-dependent; weights are never written, so any one row stands for it.
      add(tensor(inst.t1, 'table'), 'read', rowOf(tensor(inst.t1, 'table'), 0));
      const positions = opt(inst.t2, 'positions');
      if (positions) add(positions, 'read', rowOf(positions, ctx.pos));
      add(tensor(inst.t3, 'out'), 'write', whole(tensor(inst.t3, 'out')));
      const argmax = opt(inst.t4, 'argmax');
      if (argmax && fromArgmax && ctx.pos >= 1) add(argmax, 'read', rowOf(argmax, ctx.pos - 1));
      break;
    }
    case Op.MATVEC:
    case Op.FUSED_MATMUL_RESIDUAL: {
      const x = tensor(inst.t0, 'x');
      const w = tensor(inst.t1, 'W');
      const y = tensor(inst.t2, 'y');
      matvecTile(x, w, opt(inst.t3, 'bias'), a2, a3);
      const target = flat(y, a0, a0 + a1);
      if (inst.opcode === Op.FUSED_MATMUL_RESIDUAL && (flags & FLAG_SPLIT_K) !== 0)
        add(y, 'atomic-add', target);
      else {
        const inPlace = inst.opcode === Op.FUSED_MATMUL_RESIDUAL || (flags & FLAG_ACCUMULATE) !== 0;
        if (inPlace) add(y, 'read', target);
        add(y, 'write', target);
      }
      break;
    }
    case Op.FUSED_NORM_MATMUL: {
      normInput(tensor(inst.t0, 'x'), opt(inst.t1, 'normParams'));
      const w = tensor(inst.t2, 'W');
      add(w, 'read', rows(w, a0, a0 + a1));
      const bias = opt(inst.t3, 'bias');
      if (bias) add(bias, 'read', flat(bias, a0, a0 + a1));
      add(tensor(inst.t4, 'y'), 'write', flat(tensor(inst.t4, 'y'), a0, a0 + a1));
      break;
    }
    case Op.FUSED_NORM_QKV_ROPE: {
      const x = tensor(inst.t0, 'x');
      normInput(x, opt(inst.t1, 'normParams'));
      const w = tensor(inst.t2, 'W');
      add(w, 'read', rows(w, a0, a0 + a1));
      const bias = opt(inst.t3, 'bias');
      if (bias) add(bias, 'read', flat(bias, a0, a0 + a1));
      const q = tensor(inst.t4, 'q');
      const kv = tensor(inst.t5, 'kv');
      const qDim = numel(q);
      const kvDim = kv.shape[2]! * kv.shape[3]!;
      const seq = kv.shape[1]!;
      if (a0 + a1 > w.shape[0]! || w.shape[0] !== qDim + 2 * kvDim) {
        throw new AccessBoundsError(
          `QKV rows [${a0}, ${a0 + a1}) vs W [${w.shape.join(',')}], q ${qDim}, kv ${kvDim}`,
        );
      }
      const part = (lo: number, hi: number): [number, number] => [
        Math.max(a0, lo) - lo,
        Math.min(a0 + a1, hi) - lo,
      ];
      const [q0, q1] = part(0, qDim);
      if (q1 > q0) add(q, 'write', flat(q, q0, q1));
      const [k0, k1] = part(qDim, qDim + kvDim);
      if (k1 > k0) add(kv, 'write', flat(kv, ctx.pos * kvDim + k0, ctx.pos * kvDim + k1));
      const [v0, v1] = part(qDim + kvDim, qDim + 2 * kvDim);
      if (v1 > v0) add(kv, 'write', flat(kv, (seq + ctx.pos) * kvDim + v0, (seq + ctx.pos) * kvDim + v1));
      const rope = opt(inst.t6, 'rope');
      if (rope && a0 < qDim + kvDim) add(rope, 'read', rowOf(rope, ctx.pos));
      break;
    }
    case Op.FUSED_NORM_GATE_UP_ACT: {
      normInput(tensor(inst.t0, 'x'), opt(inst.t1, 'normParams'));
      for (const [slot, what] of [
        [inst.t2, 'Wgate'],
        [inst.t3, 'Wup'],
      ] as const) {
        const w = opt(slot, what);
        if (w) add(w, 'read', rows(w, a0, a0 + a1));
      }
      for (const [slot, what] of [
        [inst.t4, 'gateBias'],
        [inst.t5, 'upBias'],
      ] as const) {
        const b = opt(slot, what);
        if (b) add(b, 'read', flat(b, a0, a0 + a1));
      }
      add(tensor(inst.t6, 'out'), 'write', flat(tensor(inst.t6, 'out'), a0, a0 + a1));
      break;
    }
    case Op.FUSED_NORM_LM_HEAD_ARGMAX: {
      normInput(tensor(inst.t0, 'x'), opt(inst.t1, 'normParams'));
      const w = tensor(inst.t2, 'W');
      add(w, 'read', rows(w, a0, a0 + a1));
      const bias = opt(inst.t3, 'bias');
      if (bias) add(bias, 'read', flat(bias, a0, a0 + a1));
      add(tensor(inst.t4, 'logits'), 'write', flat(tensor(inst.t4, 'logits'), a0, a0 + a1));
      add(tensor(inst.t5, 'argmax'), 'atomic-max', rowOf(tensor(inst.t5, 'argmax'), ctx.pos));
      break;
    }
    case Op.ARGMAX: {
      add(tensor(inst.t0, 'logits'), 'read', flat(tensor(inst.t0, 'logits'), a0, a0 + a1));
      add(tensor(inst.t1, 'argmax'), 'atomic-max', rowOf(tensor(inst.t1, 'argmax'), ctx.pos));
      break;
    }
    case Op.ATTENTION_PARTIAL: {
      const q = tensor(inst.t0, 'q');
      const kv = tensor(inst.t1, 'kv');
      const [hq, d] = q.shape as [number, number];
      const hkv = kv.shape[2]!;
      const g = hq / hkv;
      const heads: [number, number] = [a0 * g, a0 * g + g];
      if (a2 === 0 || a1 >= a2) throw new AccessBoundsError(`attention chunk ${a1} of ${a2}`);
      add(q, 'read', box([hq, d], [heads[0], 0], [heads[1], d]));
      const [r0, r1] =
        ctx.kvRows === 'current' ? [ctx.pos, ctx.pos + 1] : attentionChunkRows(ctx.pos, a3, a1, a2);
      add(kv, 'read', box(kv.shape, [0, r0, a0, 0], [2, r1, a0 + 1, kv.shape[3]!]));
      const o = tensor(inst.t2, 'out');
      if ((flags & FLAG_ATTN_DIRECT) !== 0) add(o, 'write', box([hq, d], [heads[0], 0], [heads[1], d]));
      else {
        add(o, 'write', box(o.shape, [a1, heads[0], 0], [a1 + 1, heads[1], d]));
        const lse = tensor(inst.t3, 'lse');
        add(lse, 'write', box(lse.shape, [a1, heads[0]], [a1 + 1, heads[1]]));
      }
      break;
    }
    case Op.ATTENTION_REDUCE: {
      const po = tensor(inst.t0, 'partialO');
      const lse = tensor(inst.t1, 'lse');
      const o = tensor(inst.t2, 'out');
      const [chunks, , d] = po.shape as [number, number, number];
      add(po, 'read', box(po.shape, [0, a0, 0], [chunks, a0 + a1, d]));
      add(lse, 'read', box(lse.shape, [0, a0], [chunks, a0 + a1]));
      add(o, 'write', flat(o, a0 * d, (a0 + a1) * d));
      break;
    }
    case Op.ROPE_EMBED: {
      const x = tensor(inst.t0, 'x');
      const d = x.shape[x.shape.length - 1]!;
      const target = flat(x, a0 * d, (a0 + a1) * d);
      add(x, 'read', target);
      add(x, 'write', target);
      add(tensor(inst.t1, 'rope'), 'read', rowOf(tensor(inst.t1, 'rope'), ctx.pos));
      break;
    }
    case Op.CACHE_APPEND: {
      const kv = tensor(inst.t1, 'kv');
      const kvDim = kv.shape[2]! * kv.shape[3]!;
      add(tensor(inst.t0, 'src'), 'read', flat(tensor(inst.t0, 'src'), a0, a0 + kvDim));
      add(kv, 'write', box(kv.shape, [a1, ctx.pos, 0, 0], [a1 + 1, ctx.pos + 1, kv.shape[2]!, kv.shape[3]!]));
      break;
    }
    case Op.COPY:
      add(tensor(inst.t0, 'src'), 'read', flat(tensor(inst.t0, 'src'), a0, a0 + a2));
      add(tensor(inst.t1, 'dst'), 'write', flat(tensor(inst.t1, 'dst'), a1, a1 + a2));
      break;
    case Op.ZERO:
      add(tensor(inst.t0, 'dst'), 'write', flat(tensor(inst.t0, 'dst'), a0, a0 + a1));
      break;
    case Op.RMS_NORM:
    case Op.LAYER_NORM: {
      normInput(tensor(inst.t0, 'x'), opt(inst.t1, 'normParams'));
      add(tensor(inst.t2, 'y'), 'write', whole(tensor(inst.t2, 'y')));
      break;
    }
    default: {
      // Elementwise family: inputs and output share [offset, offset + count).
      const info = opcodeInfo(inst.opcode);
      if (info?.category !== 'activation' && info?.category !== 'elementwise') {
        throw new AccessBoundsError(`opcode 0x${inst.opcode.toString(16)} has no access model`);
      }
      for (const operand of info.tensors) {
        const t = tensor(inst[operand.slot], operand.name);
        const range = flat(t, a0, a0 + a1);
        if (operand.name !== 'out' || inst.opcode === Op.RESIDUAL_ADD) add(t, 'read', range);
        if (operand.name === 'out') add(t, 'write', range);
      }
    }
  }
  return out;
}

/**
 * The accesses that can take part in a conflict: those on tensors some instruction writes. Tensors
 * only ever read (weights) cannot race, and skipping them keeps the analyses small.
 */
export function conflictingAccesses(all: readonly (readonly Access[])[]): Access[][] {
  // (Weights region reads may already be omitted with skipWeights; see weightWrites.)
  const written = new Set<number>();
  for (const list of all) for (const a of list) if (a.kind !== 'read') written.add(a.tensor);
  return all.map((list) => list.filter((a) => written.has(a.tensor)));
}

/** Instructions that write (or atomically update) a weights-region tensor: never legal. */
export function weightWrites(all: readonly (readonly Access[])[], tensors: readonly TensorEntry[]): number[] {
  const out: number[] = [];
  all.forEach((list, i) => {
    if (list.some((a) => a.kind !== 'read' && tensors[a.tensor]?.region === 'weights')) out.push(i);
  });
  return out;
}
