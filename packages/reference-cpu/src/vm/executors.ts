/** The VM's dispatch table: one executor per executable opcode of the ISA table, by name. */
import { OPCODES, type OpcodeName } from '@megakernel/isa';
import type { ExecContext } from './context.js';
import { executeArgmax, executeFusedNormLmHeadArgmax } from './exec-argmax.js';
import {
  executeAttentionPartial,
  executeAttentionReduce,
  executeFusedNormQkvRope,
  executeRopeEmbed,
} from './exec-attention.js';
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
  executeSwiglu,
} from './exec-elementwise.js';
import {
  executeFusedMatmulResidual,
  executeFusedNormGateUpAct,
  executeFusedNormMatmul,
  executeMatvec,
} from './exec-linear.js';
import { executeCacheAppend, executeCopy, executeEmbedGather, executeZero } from './exec-memory.js';
import { executeLayerNorm, executeRmsNorm } from './exec-norm.js';

export type Executor = (ctx: ExecContext) => void;

const nothing: Executor = () => {};

export const EXECUTORS: Partial<Record<OpcodeName, Executor>> = {
  NOOP: nothing,
  BARRIER: nothing,
  CACHE_APPEND: executeCacheAppend,
  COPY: executeCopy,
  ZERO: executeZero,
  EMBED_GATHER: executeEmbedGather,
  MATVEC: executeMatvec,
  RMS_NORM: executeRmsNorm,
  LAYER_NORM: executeLayerNorm,
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
  ARGMAX: executeArgmax,
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
