/**
 * What the Hopper kernel needs beyond release-mode validation: matrix weights in bf16 (the bulk-copy
 * weight stream), input vectors of at most 8192 elements (the shared-memory vector), head_dim at
 * most 128, even QKV tiles when RoPE is applied (pairs stay in one tile), 8-byte-aligned argmax keys
 * and no more queues than SMs. `checkGpuSupport` lists every problem, grouped.
 */
import {
  DTYPE_BYTES,
  decodeQueue,
  type Instruction,
  NONE16,
  Op,
  opcodeInfo,
  operandView,
  type Program,
  readOperands,
  type TensorEntry,
  type TensorSlotField,
  tensorElementCount,
  validateProgram,
} from '@megakernel/isa';
import { UnsupportedProgramError } from './errors.js';
import { KERNEL_LIMITS } from './kernel-limits.js';

export { KERNEL_LIMITS };

/**
 * Slots holding a streamed weight matrix: the opcode's 'stream'-role operands in table order, an
 * optional one when present (plan.cuh follows the same rule, from the generated MK_WEIGHT_STREAMS).
 */
function weightSlots(inst: Instruction): readonly TensorSlotField[] {
  const tensors = opcodeInfo(inst.opcode)?.tensors ?? [];
  return tensors
    .filter((t) => t.role === 'stream' && (!t.optional || inst[t.slot] !== NONE16))
    .map((t) => t.slot);
}

/** Input columns of a streaming instruction: kCount from kStart (0: to the end) when it has a K range, else K. */
function inputColumns(inst: Instruction, K: number): number {
  const args = opcodeInfo(inst.opcode)?.args ?? [];
  const kStart = args.find((a) => a.name === 'kStart')?.field;
  const kCount = args.find((a) => a.name === 'kCount')?.field;
  return kStart && kCount ? inst[kCount] || K - inst[kStart] : K;
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
      const info = opcodeInfo(inst.opcode);
      const name = info?.name ?? `0x${inst.opcode.toString(16)}`;
      for (const slot of weightSlots(inst)) {
        const w = t(inst[slot]);
        if (w && w.dtype !== 'bf16')
          problems.add(`${name}: weight '${w.name}' is ${w.dtype}; the kernel streams bf16 weights only`);
        // A token-range op (MATMUL) stages x through the ring 64 columns at a time: no vector limit.
        if (w && w.shape.length === 2 && info?.tokenRange !== true) {
          const kc = inputColumns(inst, w.shape[1]!);
          if (kc > KERNEL_LIMITS.maxVector)
            problems.add(`${name}: input of ${kc} elements exceeds ${KERNEL_LIMITS.maxVector}`);
        }
      }
      const o = info ? readOperands(inst, info) : {};
      // A per-token op sees a token-axis tensor as the row of its token.
      const at = (operand: string): TensorEntry | undefined => {
        const e = o[operand] === undefined ? undefined : t(o[operand]!);
        return e && info ? operandView(e, info) : e;
      };
      if (inst.opcode === Op.FUSED_NORM_QKV_ROPE && o.rope !== undefined) {
        if (o.rowStart! % 2 || o.rowCount! % 2)
          problems.add(`${name}: RoPE tiles must start and end on even rows`);
        const kv = at('kv');
        if (kv && (kv.shape[3] ?? 0) % 2) problems.add(`${name}: odd head_dim with RoPE`);
      }
      if (inst.opcode === Op.ATTENTION_PARTIAL) {
        const kv = at('kv');
        if (kv && (kv.shape[3] ?? 0) > KERNEL_LIMITS.maxHeadDim) {
          problems.add(`${name}: head_dim ${kv.shape[3]} exceeds ${KERNEL_LIMITS.maxHeadDim}`);
        }
        if (kv && kv.dtype !== 'bf16' && kv.dtype !== 'f32')
          problems.add(`${name}: KV cache dtype ${kv.dtype} (bf16 or f32 only)`);
      }
      if (inst.opcode === Op.RMS_NORM || inst.opcode === Op.LAYER_NORM) {
        const x = at('x');
        if (x && tensorElementCount(x) > KERNEL_LIMITS.maxVector)
          problems.add(`${name}: vector longer than ${KERNEL_LIMITS.maxVector}`);
      }
      // Argmax keys are folded with 64-bit atomics: every op naming them needs them 8-byte aligned.
      const keys = at('argmax');
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
