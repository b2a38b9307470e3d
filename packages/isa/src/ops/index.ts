/**
 * The opcode table is the list of the op descriptors: one file per op (ops that share a kernel
 * share a file), plus the reserved seed opcodes. To add an op, write its file here and list it.
 */
import { ARGMAX } from './argmax.js';
import { ATTENTION_PARTIAL } from './attention-partial.js';
import { ATTENTION_REDUCE } from './attention-reduce.js';
import { CACHE_APPEND, COPY, ZERO } from './copy.js';
import { ELEMENTWISE_OPS } from './elementwise.js';
import { EMBED_GATHER } from './embed-gather.js';
import { FUSED_MATMUL_RESIDUAL } from './fused-matmul-residual.js';
import { FUSED_NORM_GATE_UP_ACT } from './fused-norm-gate-up-act.js';
import { FUSED_NORM_LM_HEAD_ARGMAX } from './fused-norm-lm-head-argmax.js';
import { FUSED_NORM_MATMUL } from './fused-norm-matmul.js';
import { FUSED_NORM_QKV_ROPE } from './fused-norm-qkv-rope.js';
import { HEAD_RMS_NORM } from './head-rms-norm.js';
import { MATMUL } from './matmul.js';
import { MATVEC } from './matvec.js';
import { MOE_MATVEC } from './moe-matvec.js';
import { MOE_ROUTE } from './moe-route.js';
import { BARRIER, NOOP } from './noop.js';
import { LAYER_NORM, RMS_NORM } from './norm.js';
import { RESERVED_OPS } from './reserved.js';
import { ROPE_EMBED } from './rope-embed.js';
import { SAMPLE } from './sample.js';

export const OP_DESCRIPTORS = [
  NOOP,
  BARRIER,
  CACHE_APPEND,
  COPY,
  ZERO,
  EMBED_GATHER,
  MATMUL,
  MATVEC,
  MOE_MATVEC,
  RMS_NORM,
  LAYER_NORM,
  HEAD_RMS_NORM,
  ATTENTION_PARTIAL,
  ATTENTION_REDUCE,
  ROPE_EMBED,
  ...ELEMENTWISE_OPS,
  ARGMAX,
  MOE_ROUTE,
  SAMPLE,
  FUSED_NORM_MATMUL,
  FUSED_MATMUL_RESIDUAL,
  FUSED_NORM_QKV_ROPE,
  FUSED_NORM_GATE_UP_ACT,
  FUSED_NORM_LM_HEAD_ARGMAX,
  ...RESERVED_OPS,
] as const;
