/**
 * Per-opcode geometry: every index an instruction makes a VM touch, checked against the shapes of
 * the tensors it names. A check marked `safety` guards memory (a VM would read or write outside a
 * tensor, or divide by zero) and runs in release mode too; the others catch programs that are safe
 * but wrong or wasteful, and run in strict mode only. Dimensions follow the operand docs in opcodes.ts.
 */
import type { Instruction, InstructionField } from './instruction-layout.js';
import {
  FLAG_ATTN_DIRECT,
  FLAG_EMBED_FROM_ARGMAX,
  FLAG_GATED,
  FLAG_NORM_LAYER,
  FLAG_NORM_NO_WEIGHT,
  type OpcodeInfo,
  type OpcodeName,
} from './opcodes.js';
import type { TensorEntry } from './program-types.js';
import { tensorElementCount } from './tensor-extent.js';

export type GeometryReport = (
  field: string,
  value: unknown,
  rule: string,
  safety: boolean,
  detail: string,
) => void;

class Geometry {
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

function linear(g: Geometry, xName: string, yName: string): void {
  if (!g.rank('W', 2)) return;
  const [N, K] = g.shape('W') as [number, number];
  g.vector(xName, K, 'K');
  g.vector(yName, N, 'N');
  g.vector('bias', N, 'N');
  g.range('rowStart', 'rowCount', N);
  g.kRange(K);
}

function fusedNormLinear(g: Geometry, wName: string): [number, number] | undefined {
  if (!g.rank(wName, 2)) return undefined;
  const [N, K] = g.shape(wName) as [number, number];
  g.vector('x', K, 'hidden');
  g.normParams(K, g.flag(FLAG_NORM_LAYER));
  g.range('rowStart', 'rowCount', N);
  return [N, K];
}

function elementwise(g: Geometry): void {
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

const CHECKS: Partial<Record<OpcodeName, (g: Geometry) => void>> = {
  CACHE_APPEND(g) {
    if (!g.rank('kv', 4)) return;
    const [, , Hkv, d] = g.shape('kv') as [number, number, number, number];
    g.dimEq('kv', 0, 2, 'K and V');
    g.seqRows('kv', 1);
    if (g.arg('which') > 1)
      g.mismatch('which', g.arg('which'), 'arg-out-of-range', true, 'which is 0 (K) or 1 (V)');
    const offset = g.arg('offset');
    if (g.has('src') && offset + Hkv * d > g.elements('src')) {
      g.mismatch(
        'offset',
        offset,
        'tile-out-of-range',
        true,
        `offset ${offset} + Hkv·d ${Hkv * d} > src elements`,
      );
    }
  },
  COPY(g) {
    g.range('srcOffset', 'count', g.elements('src'));
    if (g.arg('count') > 0) g.range('dstOffset', 'count', g.elements('dst'));
  },
  ZERO(g) {
    g.range('offset', 'count', g.elements('dst'));
  },
  EMBED_GATHER(g) {
    if (g.rank('tokens', 1)) g.seqRows('tokens', 0);
    if (!g.rank('table', 2)) return;
    const hidden = g.shape('table')[1]!;
    g.vector('out', hidden, 'hidden');
    if (g.has('positions') && g.rank('positions', 2)) {
      g.dimEq('positions', 1, hidden, 'hidden');
      g.seqRows('positions', 0);
    }
    const fromArgmax = g.flag(FLAG_EMBED_FROM_ARGMAX);
    if (fromArgmax && !g.has('argmax')) {
      g.mismatch('argmax', 'none', 'required-tensor-missing', true, 'embedFromArgmax reads the argmax keys');
    }
    if (!fromArgmax && g.has('argmax')) {
      g.mismatch('argmax', 'present', 'flag-operand-mismatch', false, 'argmax given without embedFromArgmax');
    }
    if (g.has('argmax')) g.argmaxKeys('argmax');
  },
  MATVEC: (g) => linear(g, 'x', 'y'),
  FUSED_MATMUL_RESIDUAL: (g) => linear(g, 'x', 'out'),
  RMS_NORM(g) {
    g.vector('y', g.elements('x'), 'the input length');
    g.normParams(g.elements('x'), false);
  },
  LAYER_NORM(g) {
    g.vector('y', g.elements('x'), 'the input length');
    g.normParams(g.elements('x'), true);
  },
  ATTENTION_PARTIAL(g) {
    const h = g.heads('q', 'kv');
    if (!h) return;
    const { Hq, d, Hkv } = h;
    if (Hkv === 0 || Hq % Hkv !== 0) {
      g.mismatch('kv', Hkv, 'shape-mismatch', true, `Hkv ${Hkv} must divide Hq ${Hq}`);
      return;
    }
    const kvHead = g.arg('kvHead');
    const chunk = g.arg('chunk');
    const chunks = g.arg('chunks');
    if (kvHead >= Hkv)
      g.mismatch('kvHead', kvHead, 'kv-head-out-of-range', true, `kvHead ${kvHead} >= Hkv ${Hkv}`);
    if (chunks === 0) g.mismatch('chunks', 0, 'arg-out-of-range', true, 'chunks must be >= 1');
    else if (chunk >= chunks)
      g.mismatch('chunk', chunk, 'chunk-out-of-range', true, `chunk ${chunk} >= chunks ${chunks}`);
    if (g.flag(FLAG_ATTN_DIRECT)) {
      if (chunks !== 1)
        g.mismatch('chunks', chunks, 'flag-operand-mismatch', false, 'direct needs chunks = 1');
      if (g.has('lse')) g.mismatch('lse', 'present', 'flag-operand-mismatch', false, 'direct writes no LSE');
      g.vector('out', Hq * d, 'Hq·d');
      return;
    }
    if (!g.has('lse')) {
      g.mismatch('lse', 'none', 'required-tensor-missing', true, 'a partial (not direct) writes the LSE');
    } else if (g.rank('lse', 2)) {
      g.dimEq('lse', 0, chunks, 'chunks');
      g.dimEq('lse', 1, Hq, 'Hq');
    }
    if (g.has('out') && g.tensors.get('out')!.dtype !== 'f32') {
      g.mismatch('out', g.tensors.get('out')!.dtype, 'dtype-mismatch', true, 'partial O is f32');
    }
    if (g.rank('out', 3)) {
      g.dimEq('out', 0, chunks, 'chunks');
      g.dimEq('out', 1, Hq, 'Hq');
      g.dimEq('out', 2, d, 'd');
    }
  },
  ATTENTION_REDUCE(g) {
    if (!g.rank('partialO', 3) || !g.rank('lse', 2)) return;
    const [C, Hq, d] = g.shape('partialO') as [number, number, number];
    if (C === 0) g.mismatch('partialO', C, 'shape-mismatch', true, 'at least one chunk');
    g.dimEq('lse', 0, C, 'chunks');
    g.dimEq('lse', 1, Hq, 'Hq');
    g.vector('out', Hq * d, 'Hq·d');
    g.range('headStart', 'headCount', Hq);
  },
  ROPE_EMBED(g) {
    if (!g.rank('x', 2)) return;
    const [H, d] = g.shape('x') as [number, number];
    g.ropeTable('rope', d);
    g.range('headStart', 'headCount', H);
  },
  ARGMAX(g) {
    g.range('rowStart', 'rowCount', g.elements('logits'));
    g.argmaxKeys('argmax');
  },
  FUSED_NORM_MATMUL(g) {
    const nk = fusedNormLinear(g, 'W');
    if (!nk) return;
    g.vector('bias', nk[0], 'N');
    g.vector('y', nk[0], 'N');
  },
  FUSED_NORM_QKV_ROPE(g) {
    const h = g.heads('q', 'kv');
    const nk = fusedNormLinear(g, 'W');
    if (!h || !nk) return;
    const rows = (h.Hq + 2 * h.Hkv) * h.d;
    g.dimEq('W', 0, rows, '(Hq + 2 Hkv)·d');
    g.vector('bias', rows, '(Hq + 2 Hkv)·d');
    if (g.has('rope')) {
      g.ropeTable('rope', h.d);
      const start = g.arg('rowStart');
      const count = g.arg('rowCount');
      if (start % 2 !== 0 || count % 2 !== 0 || h.d % 2 !== 0) {
        g.mismatch('rowStart', start, 'odd-rope-tile', false, 'RoPE tiles start and end on even rows');
      }
    }
  },
  FUSED_NORM_GATE_UP_ACT(g) {
    const nk = fusedNormLinear(g, 'Wup');
    if (!nk) return;
    const [I] = nk;
    const gated = g.flag(FLAG_GATED);
    if (gated && !g.has('Wgate'))
      g.mismatch('Wgate', 'none', 'required-tensor-missing', true, 'gated needs Wgate');
    if (!gated && g.has('Wgate'))
      g.mismatch('Wgate', 'present', 'flag-operand-mismatch', false, 'Wgate without gated');
    if (!gated && g.has('gateBias'))
      g.mismatch('gateBias', 'present', 'flag-operand-mismatch', false, 'gateBias without gated');
    if (gated && g.rank('Wgate', 2)) {
      g.dimEq('Wgate', 0, I, 'I');
      g.dimEq('Wgate', 1, nk[1], 'hidden');
    }
    g.vector('upBias', I, 'I');
    g.vector('gateBias', I, 'I');
    g.vector('out', I, 'I');
  },
  FUSED_NORM_LM_HEAD_ARGMAX(g) {
    const nk = fusedNormLinear(g, 'W');
    if (!nk) return;
    g.vector('bias', nk[0], 'V');
    g.vector('logits', nk[0], 'V');
    g.argmaxKeys('argmax');
  },
};

for (const name of [
  'SILU',
  'GELU',
  'RELU',
  'SWIGLU',
  'GEGLU',
  'GELU_TANH',
  'ADD',
  'MUL',
  'RESIDUAL_ADD',
  'SCALE',
  'ELEMWISE_MUL_ADD',
] as const) {
  CHECKS[name] = elementwise;
}

export function checkGeometry(
  inst: Instruction,
  info: OpcodeInfo,
  tensors: ReadonlyMap<string, TensorEntry>,
  maxSeqLen: number,
  report: GeometryReport,
): void {
  CHECKS[info.name as OpcodeName]?.(new Geometry(inst, info, tensors, maxSeqLen, report));
}
