/**
 * A deliberately simple lowering of a checkpoint to a program, for the VM's end-to-end tests (the
 * real one is @megakernel/scheduler's): fused ops only, every op split into tiles spread over the
 * queues, and one counter per stage that every tile of the next stage waits for. The first stage
 * (the embedding gather) waits for the previous step's last stage, so a step never overtakes the
 * one before, as on the GPU where steps overlap.
 */
import {
  type Instruction,
  type instructionFor,
  instructionFromOperands,
  type OperandValues,
  type Program,
  rotaryDim,
  type TensorDtype,
  type WeightSource,
} from '@megakernel/isa';
import type { Checkpoint, LayerWeightRole, ModelWeightRole } from '@megakernel/model';
import { ProgramBuilder } from './program-builder.js';

export interface TestLoweringOptions {
  readonly queues: number;
  readonly maxSeqLen: number;
  /** Rows per matvec tile (even, so RoPE pairs stay together). */
  readonly tileRows?: number;
  /** Chunks each attention is split into (1: direct). */
  readonly attentionChunks?: number;
  /** Column chunks of the O and down projections. */
  readonly splitK?: number;
  /** Dtype of the weights arena and of the KV cache and MLP activations. */
  readonly weightDtype?: TensorDtype;
  readonly activationDtype?: TensorDtype;
}

interface Tile {
  readonly name: string;
  readonly op: Parameters<typeof instructionFor>[0];
  readonly operands: Record<string, number | readonly string[] | string>;
}
type Stage = Tile[];

const tiles = (total: number, size: number): [number, number][] =>
  Array.from({ length: Math.ceil(total / size) }, (_, i) => [i * size, Math.min(size, total - i * size)]);

export function lowerForTests(checkpoint: Checkpoint, opts: TestLoweringOptions): Program {
  const c = checkpoint.config;
  // One window, a dense MLP and no soft-caps or output norms: models with those (OLMo-2, Gemma 2,
  // mixed-window Qwen2, Mixtral) are the scheduler's to lower.
  if (
    c.moe !== null ||
    c.normPlacement !== 'pre' ||
    c.slidingWindowLayers !== null ||
    c.attnLogitSoftcap !== null ||
    c.finalLogitSoftcap !== null
  )
    throw new Error(
      `lowerForTests lowers pre-norm dense models with one window and no soft-caps (${c.architecture})`,
    );
  const b = new ProgramBuilder(c, opts.maxSeqLen);
  const tileRows = opts.tileRows ?? 8;
  const chunks = opts.attentionChunks ?? 2;
  const splitK = opts.splitK ?? 2;
  const wd = opts.weightDtype ?? 'bf16';
  const ad = opts.activationDtype ?? 'f32';
  const { hiddenSize: H, intermediateSize: I, vocabSize: V, numHeads: Hq, numKvHeads: Hkv, headDim: d } = c;
  const rot = rotaryDim(c);
  const permute = c.position === 'rope' && c.ropeLayout === 'rotate-half';
  const layerNorm = c.norm === 'layer';

  const src = (role: ModelWeightRole | LayerWeightRole, layer?: number): WeightSource =>
    checkpoint.weightSource(role, layer);
  const ropeRows = (s: WeightSource, heads: number): WeightSource =>
    permute ? { kind: 'rope-permute', source: s, heads, headDim: d, rotaryDim: rot } : s;
  const weight = (name: string, shape: number[], source: WeightSource): number =>
    b.tensor({ name, dtype: wd, shape, source });
  const has = (role: LayerWeightRole | ModelWeightRole, layer?: number): boolean =>
    checkpoint.hasWeight(role, layer);
  const normParams = (name: string, gamma: WeightSource, beta: WeightSource | null): number =>
    weight(name, [beta ? 2 : 1, H], { kind: 'concat', parts: beta ? [gamma, beta] : [gamma] });

  const tokens = b.tensor({
    name: 'tokens',
    dtype: 'i32',
    shape: [opts.maxSeqLen],
    init: { kind: 'minus-one' },
  });
  const argmax = b.tensor({ name: 'argmax', dtype: 'u32', shape: [opts.maxSeqLen, 2] });
  const x = b.tensor({ name: 'x', shape: [H] });
  const q = b.tensor({ name: 'q', shape: [Hq, d] });
  const partialO = b.tensor({ name: 'partialO', shape: [chunks, Hq, d] });
  const lse = b.tensor({ name: 'lse', shape: [chunks, Hq] });
  const attn = b.tensor({ name: 'attn', dtype: ad, shape: [Hq, d] });
  const mlp = b.tensor({ name: 'mlp', dtype: ad, shape: [I] });
  const logits = b.tensor({ name: 'logits', shape: [V] });
  const qkNorm = c.qkNorm === 'per-head';
  // With q/k norms the projection lands in a scratch [Hq + 2 Hkv, d] (norm, RoPE, then copy out).
  const qkvOut = qkNorm ? b.tensor({ name: 'qkvOut', shape: [Hq + 2 * Hkv, d] }) : undefined;
  const rope =
    c.position === 'rope'
      ? b.tensor({ name: 'rope', shape: [opts.maxSeqLen, rot / 2, 2], init: { kind: 'rope-table' } })
      : undefined;
  const embed = weight('embed', [V, H], src('embed'));
  const positions =
    c.position === 'learned'
      ? weight('positions', [c.maxPositionEmbeddings, H], src('positions'))
      : undefined;

  const stages: Stage[] = [];
  const eps = c.normEps;
  const normFlags = layerNorm ? ['layerNorm'] : [];
  stages.push([
    {
      name: 'embed',
      op: 'EMBED_GATHER',
      operands: {
        tokens,
        table: embed,
        ...(positions !== undefined ? { positions } : {}),
        out: x,
        argmax,
        scale: c.embeddingScale,
        flags: ['embedFromArgmax'],
      },
    },
  ]);

  // x += W·input in row tiles × column chunks (the bias rides on the kStart = 0 chunk).
  const residualProduct = (
    name: string,
    input: number,
    W: number,
    bias: number | undefined,
    K: number,
  ): Stage => {
    const kChunk = Math.ceil(K / splitK);
    return tiles(H, tileRows).flatMap(([rowStart, rowCount]) =>
      tiles(K, kChunk).map(([kStart, kCount]) => ({
        name,
        op: 'FUSED_MATMUL_RESIDUAL' as const,
        operands: {
          x: input,
          W,
          out: x,
          ...(bias !== undefined ? { bias } : {}),
          rowStart,
          rowCount,
          scale: c.residualScale,
          kStart,
          kCount,
          flags: splitK > 1 ? ['splitK'] : [],
        },
      })),
    );
  };

  for (let l = 0; l < c.numLayers; l++) {
    const attnNorm = normParams(
      `l${l}.attnNorm`,
      src('attnNorm', l),
      has('attnNormBias', l) ? src('attnNormBias', l) : null,
    );
    const qkvW = weight(`l${l}.qkv`, [(Hq + 2 * Hkv) * d, H], {
      kind: 'concat',
      parts: [ropeRows(src('q', l), Hq), ropeRows(src('k', l), Hkv), src('v', l)],
    });
    const qkvBias = has('qBias', l)
      ? weight(`l${l}.qkvBias`, [(Hq + 2 * Hkv) * d], {
          kind: 'concat',
          parts: [ropeRows(src('qBias', l), Hq), ropeRows(src('kBias', l), Hkv), src('vBias', l)],
        })
      : undefined;
    const kv = b.tensor({ name: `l${l}.kv`, dtype: ad, shape: [2, opts.maxSeqLen, Hkv, d] });
    const oW = weight(`l${l}.o`, [H, Hq * d], src('o', l));
    const oBias = has('oBias', l) ? weight(`l${l}.oBias`, [H], src('oBias', l)) : undefined;
    const mlpNorm = normParams(
      `l${l}.mlpNorm`,
      src('mlpNorm', l),
      has('mlpNormBias', l) ? src('mlpNormBias', l) : null,
    );
    const upW = weight(`l${l}.up`, [I, H], src('up', l));
    const upBias = has('upBias', l) ? weight(`l${l}.upBias`, [I], src('upBias', l)) : undefined;
    const gateW = c.mlpGated ? weight(`l${l}.gate`, [I, H], src('gate', l)) : undefined;
    const gateBias =
      c.mlpGated && has('gateBias', l) ? weight(`l${l}.gateBias`, [I], src('gateBias', l)) : undefined;
    const downW = weight(`l${l}.down`, [H, I], src('down', l));
    const downBias = has('downBias', l) ? weight(`l${l}.downBias`, [H], src('downBias', l)) : undefined;

    if (qkvOut !== undefined) {
      // Norm weights [1, d] in the same interleaved order as the Q/K rows they scale.
      const qNorm = weight(`l${l}.qNorm`, [1, d], ropeRows(src('qNorm', l), 1));
      const kNorm = weight(`l${l}.kNorm`, [1, d], ropeRows(src('kNorm', l), 1));
      stages.push(
        tiles((Hq + 2 * Hkv) * d, tileRows).map(([rowStart, rowCount]) => ({
          name: `l${l}.qkv`,
          op: 'FUSED_NORM_MATMUL' as const,
          operands: {
            x,
            normParams: attnNorm,
            W: qkvW,
            ...(qkvBias !== undefined ? { bias: qkvBias } : {}),
            y: qkvOut,
            rowStart,
            rowCount,
            eps,
            flags: normFlags,
          },
        })),
      );
      stages.push(
        Array.from({ length: Hq + Hkv }, (_, head) => ({
          name: `l${l}.qkNorm`,
          op: 'HEAD_RMS_NORM' as const,
          operands: { x: qkvOut, gamma: head < Hq ? qNorm : kNorm, headStart: head, headCount: 1, eps },
        })),
      );
      if (rope !== undefined) {
        stages.push(
          tiles(Hq + Hkv, 2).map(([headStart, headCount]) => ({
            name: `l${l}.rope`,
            op: 'ROPE_EMBED' as const,
            operands: { x: qkvOut, rope, headStart, headCount },
          })),
        );
      }
      stages.push([
        {
          name: `l${l}.qCopy`,
          op: 'COPY',
          operands: { src: qkvOut, dst: q, srcOffset: 0, dstOffset: 0, count: Hq * d },
        },
        {
          name: `l${l}.kAppend`,
          op: 'CACHE_APPEND',
          operands: { src: qkvOut, kv, offset: Hq * d, which: 0 },
        },
        {
          name: `l${l}.vAppend`,
          op: 'CACHE_APPEND',
          operands: { src: qkvOut, kv, offset: (Hq + Hkv) * d, which: 1 },
        },
      ]);
    } else {
      stages.push(
        tiles((Hq + 2 * Hkv) * d, tileRows).map(([rowStart, rowCount]) => ({
          name: `l${l}.qkv`,
          op: 'FUSED_NORM_QKV_ROPE',
          operands: {
            x,
            normParams: attnNorm,
            W: qkvW,
            ...(qkvBias !== undefined ? { bias: qkvBias } : {}),
            q,
            kv,
            ...(rope !== undefined ? { rope } : {}),
            rowStart,
            rowCount,
            eps,
            flags: normFlags,
          },
        })),
      );
    }
    const window = c.slidingWindow ?? 0;
    stages.push(
      Array.from({ length: Hkv }, (_, kvHead) =>
        Array.from({ length: chunks }, (_, chunk) => ({
          name: `l${l}.attn`,
          op: 'ATTENTION_PARTIAL' as const,
          operands: {
            q,
            kv,
            kvHead,
            window,
            scale: c.attentionScale,
            ...(chunks === 1
              ? { out: attn, chunk: 0, chunks: 1, flags: ['direct'] }
              : { out: partialO, lse, chunk, chunks }),
          },
        })),
      ).flat(),
    );
    if (chunks > 1) {
      stages.push(
        tiles(Hq, 2).map(([headStart, headCount]) => ({
          name: `l${l}.reduce`,
          op: 'ATTENTION_REDUCE',
          operands: { partialO, lse, out: attn, headStart, headCount },
        })),
      );
    }
    stages.push(residualProduct(`l${l}.o`, attn, oW, oBias, Hq * d));
    stages.push(
      tiles(I, tileRows).map(([rowStart, rowCount]) => ({
        name: `l${l}.mlp`,
        op: 'FUSED_NORM_GATE_UP_ACT',
        operands: {
          x,
          normParams: mlpNorm,
          ...(gateW !== undefined ? { Wgate: gateW } : {}),
          Wup: upW,
          ...(gateBias !== undefined ? { gateBias } : {}),
          ...(upBias !== undefined ? { upBias } : {}),
          out: mlp,
          rowStart,
          rowCount,
          eps,
          flags: [...normFlags, ...(c.mlpGated ? ['gated'] : [])],
          activation: c.activation,
        },
      })),
    );
    stages.push(residualProduct(`l${l}.down`, mlp, downW, downBias, I));
  }

  const finalNorm = normParams(
    'finalNorm',
    src('finalNorm'),
    has('finalNormBias') ? src('finalNormBias') : null,
  );
  const lmHead = weight('lmHead', [V, H], src('lmHead'));
  const lmHeadBias = has('lmHeadBias') ? weight('lmHeadBias', [V], src('lmHeadBias')) : undefined;
  stages.push(
    tiles(V, tileRows * 2).map(([rowStart, rowCount]) => ({
      name: 'lmHead',
      op: 'FUSED_NORM_LM_HEAD_ARGMAX',
      operands: {
        x,
        normParams: finalNorm,
        W: lmHead,
        ...(lmHeadBias !== undefined ? { bias: lmHeadBias } : {}),
        logits,
        argmax,
        rowStart,
        rowCount,
        suppressToken: 0xffffffff,
        eps,
        scale: c.logitsScale,
        flags: normFlags,
      },
    })),
  );

  // One counter per stage; tiles dealt round-robin over the queues, continuing where the last stage stopped.
  const counters = stages.map(() => b.counter());
  let next = 0;
  stages.forEach((stage, s) => {
    const wait =
      s === 0
        ? {
            counter: counters[stages.length - 1]!,
            target: stages[stages.length - 1]!.length,
            previousStep: true,
          }
        : { counter: counters[s - 1]!, target: stages[s - 1]!.length };
    for (const tile of stage) {
      // OperandValues mixes numbers with the flag list; the literal is built loosely and cast once here.
      const operands = tile.operands as unknown as OperandValues;
      const inst: Instruction = instructionFromOperands(tile.op, operands, {
        wait0: wait,
        signal: counters[s]!,
      });
      b.push(next++ % opts.queues, inst);
    }
  });
  return b.build({ tokens, logits, argmax });
}
