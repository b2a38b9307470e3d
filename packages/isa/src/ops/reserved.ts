/** Seed opcodes kept for their numbers: each with the reason no VM executes it. */
import type { OpcodeCategory } from '../op-descriptor.js';

function reserved<const N extends string>(name: N, value: number, category: OpcodeCategory, why: string) {
  return {
    name,
    value,
    category,
    status: 'reserved' as const,
    summary: why,
    tensors: [],
    args: [],
    floats: [],
    flags: [],
  };
}

export const RESERVED_OPS = [
  reserved(
    'SYNC',
    0x02,
    'control',
    'superseded: every instruction carries waits and a signal; block sync is internal to ops',
  ),
  reserved('LOAD_ACTIVATION', 0x10, 'memory', 'superseded: every op loads its own operands'),
  reserved('STORE_ACTIVATION', 0x11, 'memory', 'superseded: every op stores its own results'),
  reserved('LOAD_WEIGHT_TILE', 0x12, 'memory', 'superseded: the loader streams weights for every linear op'),
  reserved('CACHE_READ', 0x13, 'memory', 'superseded: attention reads the KV cache itself'),
  reserved('OUTER_PRODUCT', 0x32, 'linear', 'not needed for decoder-only decode'),
  reserved('BATCH_MATMUL', 0x33, 'linear', 'batch > 1 is not supported by this ISA version'),
  reserved('GROUP_NORM', 0x52, 'norm', 'no supported family uses group norm'),
  reserved('ALIBI_EMBED', 0x73, 'attention', 'no supported family uses ALiBi'),
  reserved(
    'SLIDING_WINDOW_MASK',
    0x74,
    'attention',
    'superseded: the window is an ATTENTION_PARTIAL argument',
  ),
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
  reserved('MLA_COMPRESS', 0xd0, 'model-specific', 'no supported family uses multi-head latent attention'),
  reserved('MLA_DECOMPRESS', 0xd1, 'model-specific', 'no supported family uses multi-head latent attention'),
  reserved('ROTARY_PARTIAL', 0xd2, 'model-specific', 'superseded: partial rotary is the RoPE table width'),
  reserved('CROSS_ATTENTION', 0xd3, 'model-specific', 'decoder-only models have no cross-attention'),
  reserved('CUSTOM_0', 0xf0, 'custom', 'extension point: no meaning in this ISA version'),
  reserved('CUSTOM_1', 0xf1, 'custom', 'extension point: no meaning in this ISA version'),
] as const;
