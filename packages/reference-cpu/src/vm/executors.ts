/**
 * The VM's dispatch table: one executor per executable opcode of the ISA table, by name. The executors
 * live in `src/ops/`, one file per `cuda-hopper/csrc/ops/*.cuh` (same name in kebab-case).
 */
import { OPCODES, type OpcodeName } from '@megakernel/isa';
import { executeArgmax } from '../ops/argmax.js';
import { executeAttentionPartial } from '../ops/attention-partial.js';
import { executeAttentionReduce } from '../ops/attention-reduce.js';
import { executeCacheAppend, executeCopy, executeZero } from '../ops/copy.js';
import {
  executeAdd,
  executeGeglu,
  executeGelu,
  executeGeluTanh,
  executeMul,
  executeMulAdd,
  executeRelu,
  executeResidualAdd,
  executeScale,
  executeSilu,
  executeSoftcap,
  executeSwiglu,
} from '../ops/elementwise.js';
import { executeEmbedGather } from '../ops/embed-gather.js';
import { executeFusedMatmulResidual } from '../ops/fused-matmul-residual.js';
import { executeFusedNormGateUpAct } from '../ops/fused-norm-gate-up-act.js';
import { executeFusedNormLmHeadArgmax } from '../ops/fused-norm-lm-head-argmax.js';
import { executeFusedNormMatmul } from '../ops/fused-norm-matmul.js';
import { executeFusedNormQkvRope } from '../ops/fused-norm-qkv-rope.js';
import { executeHeadRmsNorm } from '../ops/head-rms-norm.js';
import { executeMatmul } from '../ops/matmul.js';
import { executeMatvec, executeMoeMatvec } from '../ops/matvec.js';
import { executeMoeRoute } from '../ops/moe-route.js';
import { executeNoop } from '../ops/noop.js';
import { executeLayerNorm, executeRmsNorm } from '../ops/norm.js';
import { executeRopeEmbed } from '../ops/rope-embed.js';
import { executeSample } from '../ops/sample.js';
import type { ExecContext } from './context.js';

export type Executor = (ctx: ExecContext) => void;

export const EXECUTORS: Partial<Record<OpcodeName, Executor>> = {
  NOOP: executeNoop,
  BARRIER: executeNoop,
  CACHE_APPEND: executeCacheAppend,
  COPY: executeCopy,
  ZERO: executeZero,
  EMBED_GATHER: executeEmbedGather,
  MATMUL: executeMatmul,
  MATVEC: executeMatvec,
  MOE_MATVEC: executeMoeMatvec,
  MOE_ROUTE: executeMoeRoute,
  RMS_NORM: executeRmsNorm,
  LAYER_NORM: executeLayerNorm,
  HEAD_RMS_NORM: executeHeadRmsNorm,
  ATTENTION_PARTIAL: executeAttentionPartial,
  ATTENTION_REDUCE: executeAttentionReduce,
  ROPE_EMBED: executeRopeEmbed,
  SILU: executeSilu,
  GELU: executeGelu,
  RELU: executeRelu,
  SWIGLU: executeSwiglu,
  GEGLU: executeGeglu,
  GELU_TANH: executeGeluTanh,
  ADD: executeAdd,
  MUL: executeMul,
  RESIDUAL_ADD: executeResidualAdd,
  SCALE: executeScale,
  ELEMWISE_MUL_ADD: executeMulAdd,
  SOFTCAP: executeSoftcap,
  ARGMAX: executeArgmax,
  SAMPLE: executeSample,
  FUSED_NORM_MATMUL: executeFusedNormMatmul,
  FUSED_MATMUL_RESIDUAL: executeFusedMatmulResidual,
  FUSED_NORM_QKV_ROPE: executeFusedNormQkvRope,
  FUSED_NORM_GATE_UP_ACT: executeFusedNormGateUpAct,
  FUSED_NORM_LM_HEAD_ARGMAX: executeFusedNormLmHeadArgmax,
};

/** Executable opcodes of the table that have no executor here (empty when the VM is complete). */
export function missingExecutors(): string[] {
  return OPCODES.filter((o) => o.status === 'executable' && !(o.name in EXECUTORS)).map((o) => o.name);
}
