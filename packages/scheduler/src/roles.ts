/** What an instruction does in model terms (`qkv`, `attention`, `down`, ...), for reports and charts. */
import { type Instruction, Op, opcodeInfo, type TensorEntry } from '@megakernel/isa';

export const ROLES = [
  'embed',
  'qkv',
  'attention',
  'attention-reduce',
  'o',
  'gate-up',
  'down',
  'lm-head',
  'norm',
  'rope',
  'cache-append',
  'copy',
  'residual',
  'activation',
  'argmax',
  'other',
] as const;
export type Role = (typeof ROLES)[number];

const BY_WEIGHT: Readonly<Record<string, Role>> = {
  qkv: 'qkv',
  o: 'o',
  gate: 'gate-up',
  up: 'gate-up',
  down: 'down',
  lmHead: 'lm-head',
  embed: 'lm-head',
};

export function instructionRole(inst: Instruction, tensors: readonly TensorEntry[]): Role {
  switch (inst.opcode) {
    case Op.EMBED_GATHER:
      return 'embed';
    case Op.FUSED_NORM_QKV_ROPE:
      return 'qkv';
    case Op.ATTENTION_PARTIAL:
      return 'attention';
    case Op.ATTENTION_REDUCE:
      return 'attention-reduce';
    case Op.FUSED_NORM_GATE_UP_ACT:
      return 'gate-up';
    case Op.FUSED_NORM_LM_HEAD_ARGMAX:
      return 'lm-head';
    case Op.MATVEC:
    case Op.FUSED_MATMUL_RESIDUAL:
    case Op.FUSED_NORM_MATMUL: {
      const info = opcodeInfo(inst.opcode)!;
      const streamed = info.tensors.find((t) => t.role === 'stream')!;
      const w = tensors[inst[streamed.slot]];
      return BY_WEIGHT[w?.name.replace(/^layers\.\d+\./, '') ?? ''] ?? 'other';
    }
    case Op.RMS_NORM:
    case Op.LAYER_NORM:
    case Op.HEAD_RMS_NORM:
      return 'norm';
    case Op.ROPE_EMBED:
      return 'rope';
    case Op.CACHE_APPEND:
      return 'cache-append';
    case Op.COPY:
      return 'copy';
    case Op.RESIDUAL_ADD:
      return 'residual';
    case Op.ARGMAX:
    case Op.SAMPLE:
      return 'argmax';
    default:
      return opcodeInfo(inst.opcode)?.category === 'activation' ? 'activation' : 'other';
  }
}
