/**
 * The instructions that stream one weight are the tiles of one op (rows of one projection): they
 * must name the same tensor in every other operand and share opcode and layer. A tile whose input is
 * a same-shaped neighbour (the queries where the attention output belongs) is well-formed, races
 * with nothing and runs to wrong logits; comparing it with its sibling tiles finds it.
 */
import { NONE16, opcodeInfo } from '@megakernel/isa';
import type { ProgramView } from '../program-view.js';
import type { Violation } from './violations.js';

/**
 * Also: a weight that is streamed (a projection) is not read as a parameter elsewhere, unless the
 * model ties its embedding to its LM head, where the embedding table is the streamed LM head.
 */
export function findTileMismatches(view: ProgramView, tiedEmbeddings: boolean): Violation[] {
  const first = new Map<string, { node: number; key: string }>();
  // The first instruction streaming each weight tensor, whatever part of it.
  const streamedBy = new Map<number, number>();
  const params = new Map<number, number>();
  const out: Violation[] = [];
  view.flat.forEach((inst, node) => {
    const info = opcodeInfo(inst.opcode);
    if (info === undefined) return;
    for (const t of info.tensors)
      if (t.binds === 'param' && inst[t.slot] !== NONE16 && !params.has(inst[t.slot]))
        params.set(inst[t.slot], node);
    const operands = info.tensors.map((t) => `${t.name}=${inst[t.slot] === NONE16 ? '-' : inst[t.slot]}`);
    const key = `${info.name} layer ${inst.layer} ${operands.join(' ')}`;
    // A stacked weight's tiles are grouped by the arguments that select its part (an expert's slot).
    const selected = info.args.filter((a) => a.selector).map((a) => `:${inst[a.field]}`);
    for (const t of info.tensors) {
      if (t.role !== 'stream' || inst[t.slot] === NONE16) continue;
      if (!streamedBy.has(inst[t.slot])) streamedBy.set(inst[t.slot], node);
      const stream = `${inst[t.slot]}${selected.join('')}`;
      const seen = first.get(stream);
      if (seen === undefined) first.set(stream, { node, key });
      else if (seen.key !== key) {
        out.push({
          kind: 'structure',
          queue: view.queueOf[node]!,
          index: view.indexOf[node]!,
          other: { queue: view.queueOf[seen.node]!, index: view.indexOf[seen.node]! },
          message: `streams the weight of another instruction but differs from it: ${key} vs ${seen.key}`,
        });
      }
    }
  });
  if (!tiedEmbeddings) {
    for (const [tensor, node] of params) {
      const streamer = streamedBy.get(tensor);
      if (streamer === undefined) continue;
      out.push({
        kind: 'structure',
        queue: view.queueOf[node]!,
        index: view.indexOf[node]!,
        other: { queue: view.queueOf[streamer]!, index: view.indexOf[streamer]! },
        message: `reads tensor ${tensor} as a parameter, which another instruction streams as a weight (the model ties no weights)`,
      });
    }
  }
  return out;
}
