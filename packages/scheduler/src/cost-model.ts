/**
 * The cost model: bytes moved and FLOPs per instruction, turned into microseconds on one SM. Every
 * SM gets 1/N of the memory bandwidth (batch-1 decode is bandwidth-bound), plus a fixed cost per
 * instruction (decode, waits, staging the input vector) and a latency per cross-SM dependency.
 */
import {
  DTYPE_BYTES,
  FLAG_GATED,
  type Instruction,
  Op,
  opcodeInfo,
  readOperands,
  type TensorEntry,
} from '@megakernel/isa';
import { tensorClass } from './tensor-names.js';
import { type AccessContext, accessElementCount, instructionAccesses } from './verify/accesses.js';

export interface CostModelParams {
  /** SMs sharing the bandwidth (the queue count). */
  readonly sms: number;
  /** HBM bandwidth for weights and the KV cache, bytes/s (H100 copy: ~3.0 TB/s). */
  readonly hbmBytesPerSecond: number;
  /** L2 bandwidth for activations and norm parameters, bytes/s. */
  readonly l2BytesPerSecond: number;
  /** fp32 FMA throughput of the whole GPU, FLOP/s (CUDA cores; batch-1 matvec never uses tensor cores well). */
  readonly flopsPerSecond: number;
  /** Fixed cost of one instruction: fetch, decode, input staging not hidden by the loader, µs. */
  readonly instructionOverheadUs: number;
  /** Latency of one cross-SM dependency (release-add, then the waiter's acquire-spin), µs. */
  readonly syncUs: number;
  /**
   * What splitting attention into chunks adds to a layer beyond the partials: the reduction's hop
   * (its wait, staging and signal on the critical path) and its cost per chunk merged, µs. Fitted to
   * the chunk sweep of bench/results/2026-12-03-h200-k-blocked (Llama-3.2-1B, GPT-2; NVIDIA H200).
   */
  readonly splitHopUs: number;
  readonly mergeUsPerChunk: number;
}

export const H100_COST_MODEL: CostModelParams = {
  sms: 132,
  hbmBytesPerSecond: 3.0e12,
  l2BytesPerSecond: 1.0e13,
  flopsPerSecond: 6.0e13,
  instructionOverheadUs: 0.5,
  syncUs: 0.7,
  splitHopUs: 1.75,
  mergeUsPerChunk: 0.15,
};

export function costModelFor(sms: number, overrides: Partial<CostModelParams> = {}): CostModelParams {
  return { ...H100_COST_MODEL, sms, ...overrides };
}

export interface InstructionCost {
  /** Bytes streamed from HBM: weights (each element once per token) and the KV cache. */
  readonly hbmBytes: number;
  /** Weight bytes among hbmBytes. */
  readonly weightBytes: number;
  /** KV-cache bytes among hbmBytes (reads and the appended row). */
  readonly kvBytes: number;
  /** Bytes served by L2: activation vectors, norm parameters, outputs. */
  readonly l2Bytes: number;
  readonly flops: number;
  /** Estimated duration on one SM, µs. */
  readonly us: number;
}

/** Time for `hbm` + `l2` bytes and `flops` on one SM, plus the per-instruction overhead. */
export function tileMicros(params: CostModelParams, hbm: number, l2: number, flops: number): number {
  const hbmUs = (hbm * params.sms * 1e6) / params.hbmBytesPerSecond;
  const flopUs = (flops * params.sms * 1e6) / params.flopsPerSecond;
  const l2Us = (l2 * params.sms * 1e6) / params.l2BytesPerSecond;
  return Math.max(hbmUs, flopUs) + l2Us + params.instructionOverheadUs;
}

/** Bytes and FLOPs of one instruction at decode position `ctx.pos`, from its accesses. */
export function instructionCost(
  inst: Instruction,
  tensors: readonly TensorEntry[],
  params: CostModelParams,
  ctx: AccessContext,
): InstructionCost {
  let weightBytes = 0;
  let kvBytes = 0;
  let l2Bytes = 0;
  let weightElements = 0;
  let kvElements = 0;
  for (const a of instructionAccesses(inst, tensors, ctx)) {
    const t = tensors[a.tensor]!;
    const elements = accessElementCount(a);
    const bytes = elements * DTYPE_BYTES[t.dtype];
    switch (tensorClass(t)) {
      case 'weight':
        weightBytes += bytes;
        if (t.shape.length === 2) weightElements += elements;
        break;
      case 'kv':
        kvBytes += bytes;
        if (a.kind === 'read') kvElements += elements;
        break;
      default:
        // Atomic read-modify-writes cross L2 twice.
        l2Bytes += a.kind === 'atomic-add' || a.kind === 'atomic-max' ? 2 * bytes : bytes;
    }
  }
  let flops = 2 * weightElements;
  const info = opcodeInfo(inst.opcode);
  if (inst.opcode === Op.ATTENTION_PARTIAL && info) {
    const o = readOperands(inst, info);
    const q = tensors[o.q!]!;
    const kv = tensors[o.kv!]!;
    flops += 2 * (q.shape[0]! / kv.shape[2]!) * kvElements;
  }
  if (inst.opcode === Op.FUSED_NORM_GATE_UP_ACT && info && (inst.flags & FLAG_GATED) !== 0)
    flops += 8 * readOperands(inst, info).rowCount!;
  const hbmBytes = weightBytes + kvBytes;
  return { hbmBytes, weightBytes, kvBytes, l2Bytes, flops, us: tileMicros(params, hbmBytes, l2Bytes, flops) };
}
