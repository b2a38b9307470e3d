/**
 * Split-K partners add each (row, k) cell of their rows exactly once. The partners of one op are the
 * FUSED_MATMUL_RESIDUAL split-K tiles that share layer and every tensor operand (they differ only in
 * their ranges): their [rows] x [k range] boxes must be disjoint and must tile rows x [0, K). Their
 * atomic adds commute, so findRaces cannot see a K column added twice (a kCount of 0 means "to the
 * end of K") or never; plain writes that overlap within an op are races and are reported there.
 */
import {
  FLAG_SPLIT_K,
  type Instruction,
  opcodeByName,
  readOperands,
  TENSOR_SLOT_FIELDS,
  type TensorEntry,
} from '@megakernel/isa';
import type { ProgramView } from '../program-view.js';
import type { Violation } from './violations.js';

function opKey(inst: Instruction): string {
  return [inst.opcode, inst.layer, ...TENSOR_SLOT_FIELDS.map((s) => inst[s])].join(':');
}

const FMR = opcodeByName('FUSED_MATMUL_RESIDUAL')!;

/** A split-K tile's box: rows [rowStart, +rowCount) x columns [kStart, +kc) of its [N, K] weight. */
function splitKBox(inst: Instruction, tensors: readonly TensorEntry[]) {
  const o = readOperands(inst, FMR);
  const k = tensors[o.W!]?.shape[1] ?? 0;
  const kc = o.kCount === 0 ? k - o.kStart! : o.kCount!;
  return { r0: o.rowStart!, r1: o.rowStart! + o.rowCount!, k0: o.kStart!, k1: o.kStart! + kc, k };
}

export function findSplitKCoverage(
  view: ProgramView,
  tensors: readonly TensorEntry[],
  max: number,
): Violation[] {
  const out: Violation[] = [];
  const at = (node: number) => ({ queue: view.queueOf[node]!, index: view.indexOf[node]! });
  const groups = new Map<string, number[]>();
  view.flat.forEach((inst, node) => {
    if (
      inst.opcode !== FMR.value ||
      (inst.flags & FLAG_SPLIT_K) === 0 ||
      readOperands(inst, FMR).W === undefined
    )
      return;
    const key = opKey(inst);
    const g = groups.get(key);
    if (g) g.push(node);
    else groups.set(key, [node]);
  });
  for (const nodes of groups.values()) {
    if (out.length >= max) break;
    const boxes = nodes.map((node) => ({ node, ...splitKBox(view.flat[node]!, tensors) }));
    let clash: Violation | undefined;
    for (let i = 0; i < boxes.length && !clash; i++) {
      for (let j = i + 1; j < boxes.length && !clash; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        if (a.r0 < b.r1 && b.r0 < a.r1 && a.k0 < b.k1 && b.k0 < a.k1) {
          clash = {
            kind: 'coverage',
            ...at(b.node),
            other: at(a.node),
            message: `split-K tile rows [${b.r0}, ${b.r1}) x k [${b.k0}, ${b.k1}) adds cells that a partner (rows [${a.r0}, ${a.r1}) x k [${a.k0}, ${a.k1})) adds too`,
          };
        }
      }
    }
    if (clash) {
      out.push(clash);
      continue;
    }
    const rowList = boxes.map((b) => ({ lo: b.r0, hi: b.r1 })).sort((a, b) => a.lo - b.lo);
    let covered = 0;
    let reach = Number.NEGATIVE_INFINITY;
    for (const r of rowList) {
      const lo = Math.max(r.lo, reach);
      if (r.hi > lo) covered += r.hi - lo;
      reach = Math.max(reach, r.hi);
    }
    const area = boxes.reduce((s, b) => s + (b.r1 - b.r0) * (b.k1 - b.k0), 0);
    const k = boxes[0]!.k;
    if (area !== covered * k) {
      out.push({
        kind: 'coverage',
        ...at(nodes[0]!),
        message: `split-K tiles cover ${area} of the ${covered * k} (row, k) cells of their ${covered} rows x K = ${k}: some k columns are never added`,
      });
    }
  }
  return out.slice(0, max);
}
