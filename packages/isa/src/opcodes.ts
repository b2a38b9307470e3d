/**
 * The opcode table: every opcode of the seed ISA plus the ones our VMs need, as data. Each entry
 * says what every instruction field means for that opcode. Fields an opcode does not name must be
 * zero (tensor slots: 0xFFFF); strict validation enforces it.
 *
 * Meaning of an opcode value:
 *   - `executable`: both VMs run it exactly as `summary` says;
 *   - `reserved`: a seed opcode kept for its number, with the reason it is not executable; a VM that
 *     meets one stops with an error, and validation (strict and release) rejects it;
 *   - any value not in the table: treated exactly like a reserved one.
 *
 * Shared run-time state every op may read: `pos` (the position of the token being decoded, always
 * below the program's maxSeqLen) and `epoch` (decode steps since the counters were zeroed).
 * Dimensions come from the tensor table's shapes, never from the instruction, so a tile cannot
 * disagree with the tensor it reads. All arithmetic is fp32; a store rounds to the destination
 * tensor's dtype (round to nearest even).
 */
import type { ArgField, FloatField, TensorSlotField } from './instruction-layout.js';
import type { TensorDtype } from './program-types.js';

export type OpcodeCategory =
  | 'control'
  | 'memory'
  | 'linear'
  | 'norm'
  | 'attention'
  | 'activation'
  | 'elementwise'
  | 'fused'
  | 'model-specific'
  | 'custom';

/**
 * What an instruction does with a tensor operand: `read` it, `stream` it (a weight matrix the GPU
 * loader streams through its bulk-copy ring, tile by tile), `write` it, or `update` it (read and
 * write the same elements: in place, accumulated, or an atomic fold). The exact elements are the
 * op's access model (access-model.ts); the role is what backends plan by.
 */
export type OperandRole = 'read' | 'stream' | 'write' | 'update';

export interface TensorOperand {
  readonly slot: TensorSlotField;
  readonly name: string;
  readonly role: OperandRole;
  readonly optional?: boolean;
  /** Dtypes the VMs accept for this operand (validated in both modes: kernels are typed). */
  readonly dtypes: readonly TensorDtype[];
  readonly doc: string;
}
export interface ArgOperand {
  readonly field: ArgField;
  readonly name: string;
  readonly doc: string;
}
export interface FloatOperand {
  readonly field: FloatField;
  readonly name: string;
  readonly doc: string;
}
export interface FlagBit {
  /** Mask within the flags byte (a multi-bit field when it has more than one bit set). */
  readonly mask: number;
  readonly name: string;
  readonly doc: string;
}

export interface OpcodeInfo {
  readonly name: string;
  readonly value: number;
  readonly category: OpcodeCategory;
  /** `reserved` opcodes have a defined meaning: no VM executes them and validation rejects them. */
  readonly status: 'executable' | 'reserved';
  /** What the op computes (executable) or why the value is reserved. */
  readonly summary: string;
  readonly tensors: readonly TensorOperand[];
  readonly args: readonly ArgOperand[];
  readonly floats: readonly FloatOperand[];
  readonly flags: readonly FlagBit[];
}

// Flag bits, one meaning per opcode family.
export const FLAG_NORM_LAYER = 0x01; // fused-norm ops: LayerNorm (mean-centred) instead of RMSNorm
export const FLAG_NORM_NO_WEIGHT = 0x02; // norms: no gamma (normParams absent)
export const FLAG_GATED = 0x04; // fused MLP input: act(gate) * up instead of act(up)
export const FLAG_ACTIVATION_MASK = 0x30; // fused MLP input: activation kind, see ACTIVATION_CODES
export const FLAG_ACCUMULATE = 0x01; // linear: y += W·x instead of y = W·x
export const FLAG_SPLIT_K = 0x02; // linear + residual: other instructions add into the same rows (GPU: atomics)
export const FLAG_ATTN_DIRECT = 0x01; // attention partial: single chunk, write the final output
export const FLAG_EMBED_FROM_ARGMAX = 0x01; // embed: a negative token takes the previous position's argmax

export const ACTIVATION_CODES = { silu: 0, gelu: 1, gelu_tanh: 2, relu: 3 } as const;
export const ACTIVATION_SHIFT = 4;

const FLOAT: readonly TensorDtype[] = ['f32', 'bf16', 'f16'];
const F32: readonly TensorDtype[] = ['f32'];
const ANY: readonly TensorDtype[] = ['f32', 'bf16', 'f16', 'i32', 'u32'];

const t = (
  slot: TensorSlotField,
  name: string,
  role: OperandRole,
  dtypes: readonly TensorDtype[],
  doc: string,
  optional = false,
): TensorOperand =>
  optional ? { slot, name, role, optional, dtypes, doc } : { slot, name, role, dtypes, doc };
const a = (field: ArgField, name: string, doc: string): ArgOperand => ({ field, name, doc });
const f = (field: FloatField, name: string, doc: string): FloatOperand => ({ field, name, doc });

const NORM_FLAGS: readonly FlagBit[] = [
  {
    mask: FLAG_NORM_LAYER,
    name: 'layerNorm',
    doc: 'LayerNorm (subtract the mean, population variance) instead of RMSNorm',
  },
  { mask: FLAG_NORM_NO_WEIGHT, name: 'noWeight', doc: 'no gamma/beta: normParams is absent' },
];
const NORM_PARAMS_DOC =
  'norm parameters [1, n] (gamma) or, for LayerNorm only, [2, n] (gamma; beta); absent with noWeight';
const normParams = (slot: TensorSlotField): TensorOperand =>
  t(slot, 'normParams', 'read', FLOAT, NORM_PARAMS_DOC, true);
const ROWS = [
  a('a0', 'rowStart', 'first output row of this tile'),
  a('a1', 'rowCount', 'output rows in this tile (> 0)'),
];
const K_RANGE = [
  a('a2', 'kStart', 'first input column'),
  a('a3', 'kCount', 'input columns; 0 = through the end (K - kStart)'),
];
const EPS = f('f0', 'eps', 'norm epsilon');
const ARGMAX_KEYS = 'argmax keys [maxSeq, 2] u32: per position a u64 key, low word first';
const SUPPRESS = a('a2', 'suppressToken', 'row never chosen, 0xFFFFFFFF for none');

/** Keeps the literal name so `OpcodeName` and `Op` are typed from the table itself. */
type Named<N extends string> = OpcodeInfo & { readonly name: N };
const op = <const N extends string>(info: Named<N>): Named<N> => info;

function reserved<const N extends string>(
  name: N,
  value: number,
  category: OpcodeCategory,
  why: string,
): Named<N> {
  return {
    name,
    value,
    category,
    status: 'reserved',
    summary: why,
    tensors: [],
    args: [],
    floats: [],
    flags: [],
  };
}

/** Element-wise ops over [offset, offset + count) of every operand (all operands indexed alike). */
function elementwise<const N extends string>(
  name: N,
  value: number,
  category: OpcodeCategory,
  summary: string,
  inputs: 1 | 2 | 3,
  inPlace = false,
): Named<N> {
  const ins = (['a', 'b', 'c'] as const).slice(0, inputs);
  const slots: readonly TensorSlotField[] = ['t0', 't1', 't2', 't3'];
  const tensors = [
    ...ins.map((n, i) => t(slots[i]!, n, 'read', FLOAT, `input ${n}`)),
    t(
      slots[inputs]!,
      'out',
      inPlace ? 'update' : 'write',
      FLOAT,
      inPlace ? 'output, also read (updated in place)' : 'output',
    ),
  ];
  return {
    name,
    value,
    category,
    status: 'executable',
    summary,
    tensors,
    args: [
      a('a0', 'offset', 'first element (same in every operand)'),
      a('a1', 'count', 'number of elements'),
    ],
    floats: name === 'SCALE' ? [f('f0', 'scale', 'multiplier')] : [],
    flags: [],
  };
}

const OPCODE_TABLE = [
  // control 0x00-0x0F
  op({
    name: 'NOOP',
    value: 0x00,
    category: 'control',
    status: 'executable',
    summary: 'does nothing but its waits and signal; pads queues',
    tensors: [],
    args: [],
    floats: [],
    flags: [],
  }),
  op({
    name: 'BARRIER',
    value: 0x01,
    category: 'control',
    status: 'executable',
    summary:
      'a pure synchronisation point: waits on its counters like any instruction, then signals (replaces the seeds\' BarrierWait; see ISA.md "Barriers")',
    tensors: [],
    args: [],
    floats: [],
    flags: [],
  }),
  reserved(
    'SYNC',
    0x02,
    'control',
    'superseded: every instruction carries waits and a signal; block sync is internal to ops',
  ),
  // memory 0x10-0x2F
  reserved('LOAD_ACTIVATION', 0x10, 'memory', 'superseded: every op loads its own operands'),
  reserved('STORE_ACTIVATION', 0x11, 'memory', 'superseded: every op stores its own results'),
  reserved('LOAD_WEIGHT_TILE', 0x12, 'memory', 'superseded: the loader streams weights for every linear op'),
  reserved('CACHE_READ', 0x13, 'memory', 'superseded: attention reads the KV cache itself'),
  op({
    name: 'CACHE_APPEND',
    value: 0x14,
    category: 'memory',
    status: 'executable',
    summary:
      'writes a K or V vector into the KV cache at `pos`: kv[which, pos, :, :] = src[offset .. offset + Hkv*d)',
    tensors: [
      t('t0', 'src', 'read', FLOAT, 'source vector'),
      t('t1', 'kv', 'write', FLOAT, 'KV cache [2, maxSeq, Hkv, d]'),
    ],
    args: [a('a0', 'offset', 'first source element'), a('a1', 'which', '0 = K, 1 = V')],
    floats: [],
    flags: [],
  }),
  op({
    name: 'COPY',
    value: 0x15,
    category: 'memory',
    status: 'executable',
    summary:
      'dst[dstOffset + i] = src[srcOffset + i] for i < count (flat element indices), converting dtype (floats round to nearest even; integer to float exact when representable)',
    tensors: [t('t0', 'src', 'read', ANY, 'source'), t('t1', 'dst', 'write', ANY, 'destination')],
    args: [
      a('a0', 'srcOffset', 'first source element'),
      a('a1', 'dstOffset', 'first destination element'),
      a('a2', 'count', 'elements'),
    ],
    floats: [],
    flags: [],
  }),
  op({
    name: 'ZERO',
    value: 0x16,
    category: 'memory',
    status: 'executable',
    summary: 'dst[offset + i] = 0 for i < count (flat element indices, all-zero bits for every dtype)',
    tensors: [t('t0', 'dst', 'write', ANY, 'destination')],
    args: [a('a0', 'offset', 'first element'), a('a1', 'count', 'elements')],
    floats: [],
    flags: [],
  }),
  op({
    name: 'EMBED_GATHER',
    value: 0x17,
    category: 'memory',
    status: 'executable',
    summary:
      'token = tokens[pos] (with embedFromArgmax, a negative entry becomes argmax(pos-1) and is written back); out = scale * table[token] (+ positions[pos]); a token outside [0, vocab) is a run-time fault',
    tensors: [
      t('t0', 'tokens', 'update', ['i32'], 'token ids [maxSeq] i32'),
      t('t1', 'table', 'read', FLOAT, 'embedding table [vocab, hidden]'),
      t('t2', 'positions', 'read', FLOAT, 'learned position table [maxPos >= maxSeq, hidden]', true),
      t('t3', 'out', 'write', F32, 'hidden state [hidden] f32'),
      t('t4', 'argmax', 'read', ['u32'], ARGMAX_KEYS, true),
    ],
    args: [],
    floats: [f('f0', 'scale', 'embedding scale')],
    flags: [
      {
        mask: FLAG_EMBED_FROM_ARGMAX,
        name: 'embedFromArgmax',
        doc: 'greedy continuation from the argmax keys',
      },
    ],
  }),
  // linear 0x30-0x4F
  reserved(
    'MATMUL',
    0x30,
    'linear',
    'batch > 1 is not supported by this ISA version; batch-1 products use MATVEC',
  ),
  op({
    name: 'MATVEC',
    value: 0x31,
    category: 'linear',
    status: 'executable',
    summary:
      'y[r] (+)= sum over k in [kStart, kStart+kCount) of W[r, k] * x[k] (+ bias[r] when kStart = 0), r in the tile',
    tensors: [
      t('t0', 'x', 'read', FLOAT, 'input vector [K]'),
      t('t1', 'W', 'stream', FLOAT, 'weight [N, K] (x·Wᵀ layout)'),
      t('t2', 'y', 'write', FLOAT, 'output [N]'),
      t('t3', 'bias', 'read', FLOAT, 'bias [N]', true),
    ],
    args: [...ROWS, ...K_RANGE],
    floats: [],
    flags: [{ mask: FLAG_ACCUMULATE, name: 'accumulate', doc: 'add into y instead of overwriting it' }],
  }),
  reserved('OUTER_PRODUCT', 0x32, 'linear', 'not needed for decoder-only decode'),
  reserved('BATCH_MATMUL', 0x33, 'linear', 'batch > 1 is not supported by this ISA version'),
  // norm 0x50-0x6F
  op({
    name: 'RMS_NORM',
    value: 0x50,
    category: 'norm',
    status: 'executable',
    summary: 'y = x * rsqrt(mean(x²) + eps) * gamma over the whole vector',
    tensors: [
      t('t0', 'x', 'read', FLOAT, 'input [n]'),
      normParams('t1'),
      t('t2', 'y', 'write', FLOAT, 'output [n]'),
    ],
    args: [],
    floats: [EPS],
    flags: [NORM_FLAGS[1]!],
  }),
  op({
    name: 'LAYER_NORM',
    value: 0x51,
    category: 'norm',
    status: 'executable',
    summary: 'y = (x - mean) * rsqrt(var + eps) * gamma (+ beta) over the whole vector (population variance)',
    tensors: [
      t('t0', 'x', 'read', FLOAT, 'input [n]'),
      normParams('t1'),
      t('t2', 'y', 'write', FLOAT, 'output [n]'),
    ],
    args: [],
    floats: [EPS],
    flags: [NORM_FLAGS[1]!],
  }),
  reserved('GROUP_NORM', 0x52, 'norm', 'no supported family uses group norm'),
  // attention 0x70-0x8F
  op({
    name: 'ATTENTION_PARTIAL',
    value: 0x70,
    category: 'attention',
    status: 'executable',
    summary:
      'for the g = Hq/Hkv query heads of KV head kvHead: visible keys are [lo, pos] with lo = max(0, pos - window + 1) (0 without a window), n = pos - lo + 1; chunk c covers [lo + floor(c·n/chunks), lo + floor((c+1)·n/chunks)); over it, m = max scale·q·k, s = sum exp(scale·q·k - m), O = sum exp(scale·q·k - m)·v / s, lse = m + ln(s) (natural log); an empty chunk writes O = 0, lse = -inf. Direct: chunks = 1 and O is the final output',
    tensors: [
      t('t0', 'q', 'read', F32, 'queries [Hq, d] f32'),
      t('t1', 'kv', 'read', FLOAT, 'KV cache [2, maxSeq, Hkv, d]'),
      t('t2', 'out', 'write', FLOAT, 'direct: attention output [Hq, d]; else partial O [chunks, Hq, d] f32'),
      t('t3', 'lse', 'write', F32, 'partial LSE [chunks, Hq] f32 (absent when direct)', true),
    ],
    args: [
      a('a0', 'kvHead', 'KV head; its query heads are kvHead*g .. kvHead*g+g-1'),
      a('a1', 'chunk', 'which chunk of the visible positions (< chunks)'),
      a('a2', 'chunks', 'number of chunks the visible positions are split into (>= 1)'),
      a('a3', 'window', 'sliding window: keys with pos - window < k <= pos; 0 = full causal'),
    ],
    floats: [f('f0', 'scale', 'softmax scale')],
    flags: [
      { mask: FLAG_ATTN_DIRECT, name: 'direct', doc: 'chunks = 1: write the normalised output directly' },
    ],
  }),
  op({
    name: 'ATTENTION_REDUCE',
    value: 0x71,
    category: 'attention',
    status: 'executable',
    summary:
      'out[h] = sum_c exp(lse[c,h] - M) O[c,h] / sum_c exp(lse[c,h] - M), M = max_c lse[c,h], for heads h in [headStart, headStart+headCount)',
    tensors: [
      t('t0', 'partialO', 'read', F32, 'partial outputs [chunks, Hq, d] f32'),
      t('t1', 'lse', 'read', F32, 'partial LSE [chunks, Hq] f32'),
      t('t2', 'out', 'write', FLOAT, 'attention output [Hq, d]'),
    ],
    args: [a('a0', 'headStart', 'first query head'), a('a1', 'headCount', 'query heads (> 0)')],
    floats: [],
    flags: [],
  }),
  op({
    name: 'ROPE_EMBED',
    value: 0x72,
    category: 'attention',
    status: 'executable',
    summary:
      'rotates the first rot dims of heads [headStart, headStart+headCount) of x in place at `pos`: (x[2i], x[2i+1]) → (x0·cos − x1·sin, x0·sin + x1·cos) with (cos, sin) = rope[pos, i] (interleaved pairs; checkpoints in rotate-half order are permuted at load)',
    tensors: [
      t('t0', 'x', 'update', FLOAT, 'vector of heads [H, d]'),
      t('t1', 'rope', 'read', F32, 'table [maxSeq, rot/2, 2] of (cos, sin)'),
    ],
    args: [a('a0', 'headStart', 'first head'), a('a1', 'headCount', 'heads (> 0)')],
    floats: [],
    flags: [],
  }),
  reserved('ALIBI_EMBED', 0x73, 'attention', 'no supported family uses ALiBi'),
  reserved(
    'SLIDING_WINDOW_MASK',
    0x74,
    'attention',
    'superseded: the window is an ATTENTION_PARTIAL argument',
  ),
  // activations 0x90-0x9F
  elementwise('SILU', 0x90, 'activation', 'out = a * sigmoid(a)', 1),
  elementwise('GELU', 0x91, 'activation', 'out = gelu(a), exact erf form', 1),
  elementwise('RELU', 0x92, 'activation', 'out = max(a, 0)', 1),
  elementwise('SWIGLU', 0x93, 'activation', 'out = silu(a) * b  (a = gate, b = up)', 2),
  elementwise('GEGLU', 0x94, 'activation', 'out = gelu(a) * b  (a = gate, b = up; exact erf form)', 2),
  elementwise('GELU_TANH', 0x95, 'activation', 'out = gelu(a), tanh approximation (GPT-2 gelu_new)', 1),
  // elementwise 0xA0-0xAF
  elementwise('ADD', 0xa0, 'elementwise', 'out = a + b', 2),
  elementwise('MUL', 0xa1, 'elementwise', 'out = a * b', 2),
  elementwise('RESIDUAL_ADD', 0xa2, 'elementwise', 'out = out + a (in place)', 1, true),
  elementwise('SCALE', 0xa3, 'elementwise', 'out = a * scale', 1),
  elementwise('ELEMWISE_MUL_ADD', 0xa4, 'elementwise', 'out = a * b + c', 3),
  op({
    name: 'ARGMAX',
    value: 0xa5,
    category: 'elementwise',
    status: 'executable',
    summary:
      'for rows r of the tile except suppressToken, atomically key[pos] = max(key[pos], (ord(logits[r]) << 32) | (0xFFFFFFFF - r)), ord(b) = b ^ 0xFFFFFFFF for negative floats and b | 0x80000000 otherwise (NaN never wins: skipped); the token is 0xFFFFFFFF - low word, ties go to the lowest row; keys start at 0',
    tensors: [
      t('t0', 'logits', 'read', F32, 'logits [V] f32'),
      t('t1', 'argmax', 'update', ['u32'], ARGMAX_KEYS),
    ],
    args: [...ROWS, SUPPRESS],
    floats: [],
    flags: [],
  }),
  // fused 0xB0-0xCF
  op({
    name: 'FUSED_NORM_MATMUL',
    value: 0xb0,
    category: 'fused',
    status: 'executable',
    summary: 'y[r] = W[r] · norm(x) (+ bias[r]) for rows in the tile; each tile recomputes the norm',
    tensors: [
      t('t0', 'x', 'read', F32, 'input [K] f32'),
      normParams('t1'),
      t('t2', 'W', 'stream', FLOAT, 'weight [N, K]'),
      t('t3', 'bias', 'read', FLOAT, 'bias [N]', true),
      t('t4', 'y', 'write', FLOAT, 'output [N]'),
    ],
    args: ROWS,
    floats: [EPS],
    flags: NORM_FLAGS,
  }),
  reserved(
    'FUSED_ROPE_APPEND',
    0xb1,
    'fused',
    'superseded: RoPE and the KV append are part of FUSED_NORM_QKV_ROPE',
  ),
  reserved(
    'FUSED_GATE_ACT',
    0xb2,
    'fused',
    'superseded by FUSED_NORM_GATE_UP_ACT, which also fuses the norm',
  ),
  reserved('FUSED_QKV_PROJ', 0xb3, 'fused', 'superseded by FUSED_NORM_QKV_ROPE'),
  op({
    name: 'FUSED_MATMUL_RESIDUAL',
    value: 0xb4,
    category: 'fused',
    status: 'executable',
    summary:
      'out[r] += sum over k in [kStart, kStart+kCount) of W[r, k] * x[k] (+ bias[r] when kStart = 0): O and down projections with the residual add',
    tensors: [
      t('t0', 'x', 'read', FLOAT, 'input [K]'),
      t('t1', 'W', 'stream', FLOAT, 'weight [N, K]'),
      t('t2', 'out', 'update', F32, 'residual stream [N] f32, updated in place'),
      t('t3', 'bias', 'read', FLOAT, 'bias [N]', true),
    ],
    args: [...ROWS, ...K_RANGE],
    floats: [],
    flags: [
      {
        mask: FLAG_SPLIT_K,
        name: 'splitK',
        doc: 'other instructions add into the same rows (GPU: atomic adds)',
      },
    ],
  }),
  op({
    name: 'FUSED_NORM_QKV_ROPE',
    value: 0xb5,
    category: 'fused',
    status: 'executable',
    summary:
      'y = W·norm(x) + bias for rows [rowStart, rowStart+rowCount) of [Q; K; V]; RoPE (as ROPE_EMBED) on Q and K rows at pos; Q rows to q, K and V rows to the KV cache at pos',
    tensors: [
      t('t0', 'x', 'read', F32, 'hidden state [hidden] f32'),
      normParams('t1'),
      t(
        't2',
        'W',
        'stream',
        FLOAT,
        'fused QKV weight [(Hq + 2 Hkv) d, hidden], Q/K rows in interleaved-RoPE order',
      ),
      t('t3', 'bias', 'read', FLOAT, 'fused QKV bias [(Hq + 2 Hkv) d]', true),
      t('t4', 'q', 'write', F32, 'queries [Hq, d] f32'),
      t('t5', 'kv', 'write', FLOAT, 'KV cache [2, maxSeq, Hkv, d]'),
      t('t6', 'rope', 'read', F32, 'table [maxSeq, rot/2, 2] of (cos, sin); absent without RoPE', true),
    ],
    args: ROWS,
    floats: [EPS],
    flags: NORM_FLAGS,
  }),
  op({
    name: 'FUSED_NORM_GATE_UP_ACT',
    value: 0xb6,
    category: 'fused',
    status: 'executable',
    summary:
      'out[r] = act(gate[r]·n + bg[r]) * (up[r]·n + bu[r]) (gated) or act(up[r]·n + bu[r]), n = norm(x)',
    tensors: [
      t('t0', 'x', 'read', F32, 'hidden state [hidden] f32'),
      normParams('t1'),
      t('t2', 'Wgate', 'stream', FLOAT, 'gate weight [I, hidden] (present exactly when gated)', true),
      t('t3', 'Wup', 'stream', FLOAT, 'up weight [I, hidden]'),
      t('t4', 'gateBias', 'read', FLOAT, 'gate bias [I] (gated only)', true),
      t('t5', 'upBias', 'read', FLOAT, 'up bias [I]', true),
      t('t6', 'out', 'write', FLOAT, 'MLP activations [I]'),
    ],
    args: ROWS,
    floats: [EPS],
    flags: [
      ...NORM_FLAGS,
      { mask: FLAG_GATED, name: 'gated', doc: 'act(gate) * up' },
      { mask: FLAG_ACTIVATION_MASK, name: 'activation', doc: '0 silu, 1 gelu (erf), 2 gelu_tanh, 3 relu' },
    ],
  }),
  op({
    name: 'FUSED_NORM_LM_HEAD_ARGMAX',
    value: 0xb7,
    category: 'fused',
    status: 'executable',
    summary:
      'logits[r] = W[r]·norm(x) (+ bias[r]) for the tile, folded into the argmax key of pos as ARGMAX does',
    tensors: [
      t('t0', 'x', 'read', F32, 'hidden state [hidden] f32'),
      normParams('t1'),
      t('t2', 'W', 'stream', FLOAT, 'LM head [V, hidden]'),
      t('t3', 'bias', 'read', FLOAT, 'bias [V]', true),
      t('t4', 'logits', 'write', F32, 'logits [V] f32'),
      t('t5', 'argmax', 'update', ['u32'], ARGMAX_KEYS),
    ],
    args: [...ROWS, SUPPRESS],
    floats: [EPS],
    flags: NORM_FLAGS,
  }),
  // model-specific 0xD0-0xEF
  reserved('MLA_COMPRESS', 0xd0, 'model-specific', 'no supported family uses multi-head latent attention'),
  reserved('MLA_DECOMPRESS', 0xd1, 'model-specific', 'no supported family uses multi-head latent attention'),
  reserved('ROTARY_PARTIAL', 0xd2, 'model-specific', 'superseded: partial rotary is the RoPE table width'),
  reserved('CROSS_ATTENTION', 0xd3, 'model-specific', 'decoder-only models have no cross-attention'),
  // custom 0xF0-0xFF
  reserved('CUSTOM_0', 0xf0, 'custom', 'extension point: no meaning in this ISA version'),
  reserved('CUSTOM_1', 0xf1, 'custom', 'extension point: no meaning in this ISA version'),
];

export type OpcodeName = (typeof OPCODE_TABLE)[number]['name'];
/** Every opcode with a defined meaning, in value order. Values not listed are rejected like reserved ones. */
export const OPCODES: readonly OpcodeInfo[] = OPCODE_TABLE;

const byValue = new Map(OPCODES.map((o) => [o.value, o]));
const byName = new Map(OPCODES.map((o) => [o.name, o]));

export function opcodeInfo(value: number): OpcodeInfo | undefined {
  return byValue.get(value);
}
export function opcodeByName(name: string): OpcodeInfo | undefined {
  return byName.get(name);
}
/** Opcode values by name, for code that builds instructions. */
export const Op = Object.freeze(Object.fromEntries(OPCODES.map((o) => [o.name, o.value]))) as {
  readonly [K in OpcodeName]: number;
};

/** True when a VM executes the opcode; reserved and unlisted values are rejected. */
export function isExecutableOpcode(value: number): boolean {
  return byValue.get(value)?.status === 'executable';
}
