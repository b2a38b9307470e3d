/** Compile options, their defaults, and the checks that turn a bad request into a named error. */
import { type RuntimeModelConfig, rotaryDim } from '@megakernel/isa';
import { type CostModelParams, costModelFor } from './cost-model.js';
import { needsOpChain } from './op-chain.js';

/** The matrix-vector products a layer (and the LM head) is made of. */
export type MatvecKind = 'qkv' | 'o' | 'gateUp' | 'down' | 'lmHead';
export const MATVEC_KINDS: readonly MatvecKind[] = ['qkv', 'o', 'gateUp', 'down', 'lmHead'];

export type PerMatvec<T> = T | Partial<Record<MatvecKind, T>>;

export interface CompileOptions {
  /** Instruction queues, one per SM (132 on an H100 SXM). */
  readonly queues: number;
  /** Longest context the program supports (KV cache rows, RoPE table rows). */
  readonly maxSeqLen: number;
  /** `list`: list scheduling on the cost model with critical-path priority (default); `round-robin`: baseline. */
  readonly assignment?: 'list' | 'round-robin';
  /** Row-block granularity of every matvec (default 16); an instruction covers whole blocks. */
  readonly tileRows?: PerMatvec<number>;
  /** Rows per instruction (a multiple of tileRows); default: chosen by the cost model. */
  readonly rowsPerInstruction?: PerMatvec<number>;
  /** K split of the down projection (split-K adds into the residual atomically); default: cost model. */
  readonly splitK?: number | 'auto';
  /** KV chunks per KV head (LSE partials + a reduction when > 1); default: cost model at maxSeqLen. */
  readonly attentionChunks?: number | 'auto';
  /**
   * Lay the attention partials' scratch out for this many chunks (at least the program's own), so that
   * programs of one model with different chunk counts share one state layout and a session can switch
   * between them as the context grows (compileAttentionVariants). Decode programs only.
   */
  readonly attentionScratchChunks?: number;
  /** KV-cache element type: bf16 for the GPU, f32 for exact CPU comparisons. */
  readonly kvDtype?: 'bf16' | 'f32';
  /** Fused ops (default) or one op per step, for debugging. */
  readonly fused?: boolean;
  /**
   * Op-per-step chain: instructions each MLP activation is cut into, along whole gate/up row tiles
   * (default ACTIVATION_PARTS; more let parts start as their rows finish, at the price of more waits).
   */
  readonly activationParts?: number;
  /**
   * Compile a prefill program (issue 10): each step works on this many prompt tokens (1 to 256), through
   * the op-per-step chain with MATMUL products. Runs on the CPU VM in this version.
   */
  readonly prefillTokens?: number;
  /** Prefill: every token's logits ([T, V]) instead of the last token's. */
  readonly prefillLogits?: 'last' | 'all';
  /**
   * Prefill: the dtype of the products' inputs (the normed activations, attention's output, the MLP
   * activation). 'f32' (default) keeps the CPU VM equal to the direct forward pass to f32 rounding;
   * 'bf16' is what the GPU's tensor cores read (bf16 in, f32 accumulation), so the CPU VM runs the very
   * roundings the GPU does.
   */
  readonly prefillMatmulInputs?: 'f32' | 'bf16';
  /** Prefill: tokens per MATMUL instruction (default 128, the tensor-core tile; 1 to 256). */
  readonly prefillMatmulTokens?: number;
  /**
   * Prefill: weight rows per MATMUL instruction (1 to 4096; the tensor cores take 128 at most). Default:
   * the op chain's decode row tiles, sized for one queue each.
   */
  readonly prefillMatmulRows?: number;
  /** Token the greedy argmax never picks (0xFFFFFFFF: none). */
  readonly suppressToken?: number;
  /**
   * Sample on the device: the LM head tiles keep their 64 best keys and a SAMPLE instruction draws the
   * step's token from them (top-k up to 64), so a launch can run many sampled steps. Decode programs of
   * the fused lowering only (default false).
   */
  readonly deviceSampler?: boolean;
  /** Cost-model parameters (the SM count defaults to `queues`). */
  readonly costModel?: Partial<CostModelParams>;
  /** Run `verifyProgram` on the result and throw CompileError on a violation (default true). */
  readonly verify?: boolean;
}

export interface ResolvedOptions {
  readonly queues: number;
  readonly maxSeqLen: number;
  readonly assignment: 'list' | 'round-robin';
  readonly tileRows: Readonly<Record<MatvecKind, number>>;
  readonly rowsPerInstruction: Readonly<Record<MatvecKind, number | 'auto'>>;
  readonly splitK: number | 'auto';
  readonly attentionChunks: number | 'auto';
  readonly attentionScratchChunks: number | undefined;
  readonly kvDtype: 'bf16' | 'f32';
  readonly fused: boolean;
  readonly activationParts: number;
  readonly prefillTokens: number | undefined;
  readonly prefillLogits: 'last' | 'all';
  readonly prefillMatmulInputs: 'f32' | 'bf16';
  readonly prefillMatmulTokens: number;
  readonly prefillMatmulRows: number | undefined;
  readonly suppressToken: number;
  readonly deviceSampler: boolean;
  readonly costModel: CostModelParams;
  readonly verify: boolean;
}

/** The op chain's default activation parts (measured on the H200: docs/decisions.md, 2026-12-02). */
export const ACTIVATION_PARTS = 16;

export type CompileErrorCode = 'bad-option' | 'unsupported-model' | 'verification-failed';

export class CompileError extends Error {
  override readonly name = 'CompileError';
  constructor(
    readonly code: CompileErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export const NO_SUPPRESSED_TOKEN = 0xffffffff;
/** Tokens per prefill MATMUL by default: the GPU's tensor-core tile (two warpgroups of M = 64). */
export const PREFILL_MATMUL_TOKENS = 128;
const DEFAULT_TILE_ROWS = 16;

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

function perMatvec<T>(value: PerMatvec<T> | undefined, fallback: T, name: string): Record<MatvecKind, T> {
  if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      if (!MATVEC_KINDS.includes(k as MatvecKind)) {
        throw new CompileError('bad-option', `${name}.${k}: not one of ${MATVEC_KINDS.join(', ')}`);
      }
    }
    const record = value as Partial<Record<MatvecKind, T>>;
    return Object.fromEntries(MATVEC_KINDS.map((k) => [k, record[k] ?? fallback])) as Record<MatvecKind, T>;
  }
  return Object.fromEntries(MATVEC_KINDS.map((k) => [k, value ?? fallback])) as Record<MatvecKind, T>;
}

export function checkSupported(config: RuntimeModelConfig): void {
  const fail = (why: string): never => {
    throw new CompileError('unsupported-model', why);
  };
  if (config.position === 'alibi') fail('ALiBi position bias has no executable opcode');
  if (config.numHeads % config.numKvHeads !== 0)
    fail(`${config.numHeads} heads over ${config.numKvHeads} KV heads`);
  if (config.position === 'rope' && rotaryDim(config) % 2 !== 0) fail('odd rotary dimension');
  for (const [k, v] of Object.entries({
    numLayers: config.numLayers,
    hiddenSize: config.hiddenSize,
    intermediateSize: config.intermediateSize,
    vocabSize: config.vocabSize,
    headDim: config.headDim,
  })) {
    if (!isPositiveInt(v)) fail(`${k} = ${v}`);
  }
}

export function resolveOptions(config: RuntimeModelConfig, options: CompileOptions): ResolvedOptions {
  const bad = (why: string): never => {
    throw new CompileError('bad-option', why);
  };
  checkSupported(config);
  if (!isPositiveInt(options.queues) || options.queues > 65535) bad(`queues = ${options.queues}`);
  if (!isPositiveInt(options.maxSeqLen)) bad(`maxSeqLen = ${options.maxSeqLen}`);
  // Every family: the engine refuses the same context, and the KV cache and RoPE table of a context the
  // model was not trained for can be gigabytes (issue 12: --max-seq-len 1000000000 on 256 positions).
  if (options.maxSeqLen > config.maxPositionEmbeddings) {
    bad(
      `maxSeqLen ${options.maxSeqLen} exceeds the model's ${config.maxPositionEmbeddings} ` +
        `${config.position === 'learned' ? 'learned ' : ''}positions`,
    );
  }
  const assignment = options.assignment ?? 'list';
  if (assignment !== 'list' && assignment !== 'round-robin') bad(`assignment = ${String(assignment)}`);
  const tileRows = perMatvec(options.tileRows, DEFAULT_TILE_ROWS, 'tileRows');
  const rowsPerInstruction = perMatvec<number | 'auto'>(
    options.rowsPerInstruction,
    'auto',
    'rowsPerInstruction',
  );
  for (const k of MATVEC_KINDS) {
    if (!isPositiveInt(tileRows[k])) bad(`tileRows.${k} = ${tileRows[k]}`);
    const rpi = rowsPerInstruction[k];
    if (rpi !== 'auto' && (!isPositiveInt(rpi) || rpi % tileRows[k] !== 0)) {
      bad(`rowsPerInstruction.${k} = ${rpi} is not a positive multiple of tileRows.${k} = ${tileRows[k]}`);
    }
  }
  // Interleaved RoPE pairs (2i, 2i+1) must never straddle a QKV tile.
  if (config.position === 'rope' && tileRows.qkv % 2 !== 0)
    bad(`tileRows.qkv = ${tileRows.qkv} must be even with RoPE`);
  // Unfused MATVEC tiles cannot add into one output safely: no split-K there, nor for post-norm models,
  // which always take the unfused chain.
  const opChain = options.fused === false || needsOpChain(config);
  const splitK = options.splitK ?? (opChain ? 1 : 'auto');
  if (needsOpChain(config) && options.fused !== false && splitK !== 1)
    bad(
      `splitK = ${splitK}: split-K needs the fused ops, which this model (output norms, a final soft-cap or experts: OLMo-2, Gemma 2, Mixtral) does not use`,
    );
  if (splitK !== 'auto') {
    const i = config.intermediateSize;
    if (!isPositiveInt(splitK) || i % splitK !== 0)
      bad(`splitK = ${splitK} must divide intermediateSize ${i}`);
  }
  const attentionChunks = options.attentionChunks ?? 'auto';
  if (
    attentionChunks !== 'auto' &&
    (!isPositiveInt(attentionChunks) || attentionChunks > options.maxSeqLen)
  ) {
    bad(`attentionChunks = ${attentionChunks}`);
  }
  const attentionScratchChunks = options.attentionScratchChunks;
  if (attentionScratchChunks !== undefined) {
    if (!isPositiveInt(attentionScratchChunks) || attentionScratchChunks > options.maxSeqLen)
      bad(`attentionScratchChunks = ${attentionScratchChunks}`);
    if (attentionChunks !== 'auto' && attentionChunks > attentionScratchChunks)
      bad(`attentionChunks = ${attentionChunks} exceeds attentionScratchChunks = ${attentionScratchChunks}`);
    if (options.prefillTokens !== undefined)
      bad('attentionScratchChunks is for decode programs (a prefill program has one attention chunk)');
  }
  const prefillTokens = options.prefillTokens;
  if (prefillTokens !== undefined) {
    if (!isPositiveInt(prefillTokens) || prefillTokens > 256)
      bad(
        `prefillTokens = ${prefillTokens}: 1 to 256 tokens per step (the instruction's token field is a byte)`,
      );
    if (prefillTokens > options.maxSeqLen)
      bad(`prefillTokens ${prefillTokens} > maxSeqLen ${options.maxSeqLen}`);
  }
  const prefillLogits = options.prefillLogits ?? 'last';
  if (prefillLogits !== 'last' && prefillLogits !== 'all') bad(`prefillLogits = ${String(prefillLogits)}`);
  const prefillMatmulInputs = options.prefillMatmulInputs ?? 'f32';
  if (prefillMatmulInputs !== 'f32' && prefillMatmulInputs !== 'bf16')
    bad(`prefillMatmulInputs = ${String(prefillMatmulInputs)}`);
  const prefillMatmulTokens = options.prefillMatmulTokens ?? PREFILL_MATMUL_TOKENS;
  if (!isPositiveInt(prefillMatmulTokens) || prefillMatmulTokens > 256)
    bad(`prefillMatmulTokens = ${prefillMatmulTokens}: 1 to 256`);
  const prefillMatmulRows = options.prefillMatmulRows;
  if (prefillMatmulRows !== undefined && (!isPositiveInt(prefillMatmulRows) || prefillMatmulRows > 4096))
    bad(`prefillMatmulRows = ${prefillMatmulRows}: 1 to 4096`);
  const activationParts = options.activationParts ?? ACTIVATION_PARTS;
  if (!isPositiveInt(activationParts)) bad(`activationParts = ${activationParts}`);
  const kvDtype = options.kvDtype ?? 'bf16';
  if (kvDtype !== 'bf16' && kvDtype !== 'f32') bad(`kvDtype = ${String(kvDtype)}`);
  const suppressToken = options.suppressToken ?? NO_SUPPRESSED_TOKEN;
  if (!Number.isInteger(suppressToken) || suppressToken < 0 || suppressToken > NO_SUPPRESSED_TOKEN) {
    bad(`suppressToken = ${suppressToken}`);
  }
  return {
    queues: options.queues,
    maxSeqLen: options.maxSeqLen,
    assignment,
    tileRows,
    rowsPerInstruction,
    splitK,
    attentionChunks,
    attentionScratchChunks,
    kvDtype,
    fused: options.fused ?? true,
    activationParts,
    prefillTokens,
    prefillLogits,
    prefillMatmulInputs,
    prefillMatmulTokens,
    prefillMatmulRows,
    suppressToken,
    deviceSampler: options.deviceSampler ?? false,
    costModel: costModelFor(options.queues, options.costModel),
    verify: options.verify ?? true,
  };
}
