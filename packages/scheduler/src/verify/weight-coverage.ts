/**
 * Every streamed weight is read exactly once per step: the tiles of the instructions that stream a
 * weight tensor (a `stream` operand) cover each of its elements once, no more, no less. A shrunk tile
 * leaves output rows nothing computes (the residual stream keeps its old value, logits keep zeros),
 * a shifted one computes rows twice; both run, and only this finds them. It is the matrix ops'
 * "every output element is written exactly once, or accumulated by exactly its split-K partners",
 * stated on the one tensor every tile reads in proportion to what it produces. A stream that picks its
 * rows by data (MOE_MATVEC: one expert of a stacked [E, N, K] weight, modelled as the slot's block) must
 * cover each block its slots stand for exactly once instead. In a prefill step the rule holds per token
 * for ops that work on one token (an expert product per token), and once per MATMUL token range.
 */
import { instructionAccesses, opcodeInfo, readOperands, type TensorEntry } from '@megakernel/isa';
import type { ProgramView } from '../program-view.js';
import type { Violation } from './violations.js';

export function findWeightCoverage(
  view: ProgramView,
  tensors: readonly TensorEntry[],
  pos: number,
  max: number,
): Violation[] {
  // Per weight tensor: its read intervals, each with the instruction that reads it.
  // Keyed by tensor and token (a token-range op's stream serves its range of tokens at once).
  const reads = new Map<string, { tensor: number; list: { lo: number; hi: number; node: number }[] }>();
  const byData = new Set<number>();
  view.flat.forEach((inst, node) => {
    const info = opcodeInfo(inst.opcode);
    const streamed = new Set(
      (info?.tensors ?? []).filter((t) => t.role === 'stream').map((t) => inst[t.slot]),
    );
    if (streamed.size === 0) return;
    for (const a of instructionAccesses(inst, tensors, { pos, kvRows: 'current' })) {
      if (a.kind !== 'read' || !streamed.has(a.tensor) || tensors[a.tensor]?.region !== 'weights') continue;
      if (a.dataDependent) byData.add(a.tensor);
      const key = `${a.tensor}:${info?.tokenRange ? `range ${inst.token}+${readOperands(inst, info).tokenCount}` : inst.token}`;
      const entry = reads.get(key) ?? { tensor: a.tensor, list: [] };
      for (let i = 0; i < a.intervals.length; i += 2)
        entry.list.push({ lo: a.intervals[i]!, hi: a.intervals[i + 1]!, node });
      reads.set(key, entry);
    }
  });
  const out: Violation[] = [];
  const at = (node: number) => ({ queue: view.queueOf[node]!, index: view.indexOf[node]! });
  for (const { tensor, list } of reads.values()) {
    if (out.length >= max) break;
    const t = tensors[tensor]!;
    const elements = t.shape.reduce((a, b) => a * b, 1);
    const total = byData.has(tensor) ? touchedBlocks(list, elements / (t.shape[0] ?? 1)) : elements;
    list.sort((a, b) => a.lo - b.lo || a.hi - b.hi);
    const report = (node: number, range: [number, number], what: string, other?: number): void => {
      out.push({
        kind: 'coverage',
        ...at(node),
        tensor,
        tensorName: t.name,
        range,
        ...(other !== undefined ? { other: at(other) } : {}),
        message: `${what} elements [${range[0]}, ${range[1]}) of ${t.name}`,
      });
    };
    let end = 0;
    let previous = list[0]!;
    let found = false;
    for (const r of list) {
      if (r.lo < end) {
        report(
          r.node,
          [r.lo, Math.min(end, r.hi)],
          'streams, like another instruction of the step (rows computed twice),',
          previous.node,
        );
        found = true;
        break;
      }
      if (r.lo > end) {
        report(r.node, [end, r.lo], 'no instruction streams (rows nothing computes)');
        found = true;
        break;
      }
      end = r.hi;
      previous = r;
    }
    if (!found && end < total)
      report(previous.node, [end, total], 'no instruction streams (rows nothing computes)');
  }
  return out;
}

/** The elements of the leading blocks (experts) that reads reach: a data-dependent stream's whole extent. */
function touchedBlocks(list: readonly { readonly hi: number }[], block: number): number {
  let reached = 0;
  for (const r of list) reached = Math.max(reached, r.hi);
  return Math.ceil(reached / block) * block;
}
