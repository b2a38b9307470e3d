/**
 * Bytes a decode step must move at a given context: every weight tensor a matrix or norm op reads
 * (once each; of a stacked experts' weight, one expert per slot that streams it), one row of the
 * embedding (and position) table, and the visible K and V rows of every layer. Divided by the measured
 * copy bandwidth this is the bandwidth floor of a token.
 */
import {
  DTYPE_BYTES,
  decodeQueue,
  NONE16,
  Op,
  opcodeInfo,
  type Program,
  readOperands,
  TENSOR_SLOT_FIELDS,
  tensorElementCount,
} from '@megakernel/isa';

export interface TokenTraffic {
  readonly weightBytes: number;
  readonly kvBytes: number;
  readonly totalBytes: number;
}

export function perTokenTraffic(program: Program, context: number): TokenTraffic {
  const full = new Set<number>();
  const embedRows = new Map<number, number>();
  const kv = new Map<number, number>();
  // Stacked experts' weights (MOE_MATVEC): the slots that stream each, one expert apiece.
  const slots = new Map<number, Set<number>>();
  for (const bytes of program.queues) {
    for (const inst of decodeQueue(bytes)) {
      const info = opcodeInfo(inst.opcode);
      const o = info ? readOperands(inst, info) : {};
      if (inst.opcode === Op.EMBED_GATHER) {
        for (const id of [o.table, o.positions]) {
          if (id === undefined) continue;
          const t = program.tensors[id]!;
          embedRows.set(id, (t.shape[1] ?? 0) * DTYPE_BYTES[t.dtype]);
        }
        continue;
      }
      if (inst.opcode === Op.ATTENTION_PARTIAL) {
        const t = program.tensors[o.kv!]!;
        const [, , hkv = 0, d = 0] = t.shape;
        const visible = o.window ? Math.min(o.window, context + 1) : context + 1;
        kv.set(o.kv!, 2 * visible * hkv * d * DTYPE_BYTES[t.dtype]);
        continue;
      }
      if (inst.opcode === Op.MOE_MATVEC) {
        const s = slots.get(o.W!) ?? new Set<number>();
        s.add(o.slot!);
        slots.set(o.W!, s);
      }
      for (const slot of TENSOR_SLOT_FIELDS) {
        const id = inst[slot];
        if (inst.opcode === Op.MOE_MATVEC && id === o.W) continue;
        if (id !== NONE16 && program.tensors[id]?.region === 'weights') full.add(id);
      }
    }
  }
  let weightBytes = 0;
  for (const id of full) {
    const t = program.tensors[id]!;
    weightBytes += tensorElementCount(t) * DTYPE_BYTES[t.dtype];
  }
  for (const [id, row] of embedRows) if (!full.has(id)) weightBytes += row;
  for (const [id, s] of slots) {
    const t = program.tensors[id]!;
    weightBytes += ((s.size * tensorElementCount(t)) / (t.shape[0] ?? 1)) * DTYPE_BYTES[t.dtype];
  }
  const kvBytes = [...kv.values()].reduce((a, b) => a + b, 0);
  return { weightBytes, kvBytes, totalBytes: weightBytes + kvBytes };
}
