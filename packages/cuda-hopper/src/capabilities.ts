/**
 * What the Hopper kernel needs beyond release-mode validation: matrix weights in bf16 (the bulk-copy
 * weight stream), input vectors of at most 8192 elements (the shared-memory vector), head_dim at
 * most 128, even QKV tiles when RoPE is applied (pairs stay in one tile), 8-byte-aligned argmax keys
 * and no more queues than SMs. `checkGpuSupport` lists every problem, grouped.
 */
import {
  DTYPE_BYTES,
  decodeQueue,
  FLAG_GATED,
  NONE16,
  Op,
  opcodeInfo,
  type Program,
  type TensorEntry,
  tensorElementCount,
  validateProgram,
} from '@megakernel/isa';
import { UnsupportedProgramError } from './errors.js';

export const KERNEL_LIMITS = {
  maxVector: 8192,
  maxHeadDim: 128,
} as const;

/** Slots holding a streamed weight matrix, per opcode. */
function weightSlots(opcode: number, flags: number): readonly ('t1' | 't2' | 't3')[] {
  switch (opcode) {
    case Op.MATVEC:
    case Op.FUSED_MATMUL_RESIDUAL:
      return ['t1'];
    case Op.FUSED_NORM_MATMUL:
    case Op.FUSED_NORM_QKV_ROPE:
    case Op.FUSED_NORM_LM_HEAD_ARGMAX:
      return ['t2'];
    case Op.FUSED_NORM_GATE_UP_ACT:
      return flags & FLAG_GATED ? ['t2', 't3'] : ['t3'];
    default:
      return [];
  }
}

/** Problems that stop the GPU backend from running `program` (empty: it can run). */
export function gpuSupportProblems(program: Program, smCount?: number): string[] {
  const problems = new Set<string>();
  for (const v of validateProgram(program, { mode: 'release' })) {
    const at = v.queue >= 0 ? `queue ${v.queue} instruction ${v.index}` : `tensor ${v.index}`;
    problems.add(
      `validation: ${v.rule} at ${at} (${v.field} = ${String(v.value)})${v.detail ? `: ${v.detail}` : ''}`,
    );
  }
  if (problems.size) return [...problems];
  if (smCount !== undefined && program.queues.length > smCount) {
    problems.add(
      `${program.queues.length} queues but the GPU has ${smCount} SMs (one co-resident block per queue)`,
    );
  }
  const t = (id: number): TensorEntry | undefined => (id === NONE16 ? undefined : program.tensors[id]);
  program.queues.forEach((bytes) => {
    for (const inst of decodeQueue(bytes)) {
      const name = opcodeInfo(inst.opcode)?.name ?? `0x${inst.opcode.toString(16)}`;
      for (const slot of weightSlots(inst.opcode, inst.flags)) {
        const w = t(inst[slot]);
        if (w && w.dtype !== 'bf16')
          problems.add(`${name}: weight '${w.name}' is ${w.dtype}; the kernel streams bf16 weights only`);
        if (w && w.shape.length === 2) {
          const K = w.shape[1]!;
          const kc =
            inst.opcode === Op.MATVEC || inst.opcode === Op.FUSED_MATMUL_RESIDUAL
              ? inst.a3 || K - inst.a2
              : K;
          if (kc > KERNEL_LIMITS.maxVector)
            problems.add(`${name}: input of ${kc} elements exceeds ${KERNEL_LIMITS.maxVector}`);
        }
      }
      if (inst.opcode === Op.FUSED_NORM_QKV_ROPE && inst.t6 !== NONE16) {
        if (inst.a0 % 2 || inst.a1 % 2) problems.add(`${name}: RoPE tiles must start and end on even rows`);
        const kv = t(inst.t5);
        if (kv && (kv.shape[3] ?? 0) % 2) problems.add(`${name}: odd head_dim with RoPE`);
      }
      if (inst.opcode === Op.ATTENTION_PARTIAL) {
        const kv = t(inst.t1);
        if (kv && (kv.shape[3] ?? 0) > KERNEL_LIMITS.maxHeadDim) {
          problems.add(`${name}: head_dim ${kv.shape[3]} exceeds ${KERNEL_LIMITS.maxHeadDim}`);
        }
        if (kv && kv.dtype !== 'bf16' && kv.dtype !== 'f32')
          problems.add(`${name}: KV cache dtype ${kv.dtype} (bf16 or f32 only)`);
      }
      if (inst.opcode === Op.RMS_NORM || inst.opcode === Op.LAYER_NORM) {
        const x = t(inst.t0);
        if (x && tensorElementCount(x) > KERNEL_LIMITS.maxVector)
          problems.add(`${name}: vector longer than ${KERNEL_LIMITS.maxVector}`);
      }
      const keys =
        inst.opcode === Op.FUSED_NORM_LM_HEAD_ARGMAX
          ? t(inst.t5)
          : inst.opcode === Op.ARGMAX
            ? t(inst.t1)
            : inst.opcode === Op.EMBED_GATHER
              ? t(inst.t4)
              : undefined;
      if (keys && keys.byteOffset % 8) problems.add(`${name}: argmax keys '${keys.name}' not 8-byte aligned`);
    }
  });
  for (const e of program.tensors) {
    if (!(e.dtype in DTYPE_BYTES)) problems.add(`tensor '${e.name}': unknown dtype ${e.dtype}`);
  }
  return [...problems];
}

/** Throws UnsupportedProgramError naming every problem. */
export function checkGpuSupport(program: Program, smCount?: number): void {
  const problems = gpuSupportProblems(program, smCount);
  if (problems.length) throw new UnsupportedProgramError(problems);
}
