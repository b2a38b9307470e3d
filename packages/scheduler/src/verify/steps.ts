/**
 * Step separation. Counters never reset, so a wait is only exact if no signaller of the next step
 * can run before the waiter's step is over. The program guarantees it when (a) every instruction of
 * a step happens-before each of the next step's EMBED_GATHERs (one per token of the step: one in
 * decode; through their previous-step waits and program order) and (b) every other instruction of a
 * step follows one of its EMBED_GATHERs. By induction over steps, steps then never overlap and the
 * one-step race check covers all of them.
 */
import { NONE16, Op, tokensPerStep } from '@megakernel/isa';
import { waitsOf } from '../dependency-graph.js';
import type { ProgramView } from '../program-view.js';
import type { HappensBefore } from './happens-before.js';
import type { Violation } from './violations.js';

export function findStepOverlap(view: ProgramView, hb: HappensBefore, max: number): Violation[] {
  const embeds = view.flat.flatMap((inst, i) => (inst.opcode === Op.EMBED_GATHER ? [i] : []));
  // One EMBED per token of the step (a prefill step has several tokens, a decode step one).
  const tokens = tokensPerStep(view.program);
  const perToken = new Set(embeds.map((i) => view.flat[i]!.token));
  if (embeds.length !== tokens || perToken.size !== tokens) {
    return [
      {
        kind: 'structure',
        queue: embeds.length > tokens ? view.queueOf[embeds[tokens]!]! : 0,
        index: embeds.length > tokens ? view.indexOf[embeds[tokens]!]! : 0,
        message: `a step needs exactly one EMBED_GATHER per token (${tokens}) to separate steps, found ${embeds.length}`,
      },
    ];
  }
  const nq = hb.queues;
  const out: Violation[] = [];
  // (a) Each of the next step's EMBEDs sees its queue's whole previous step and its previous-step waits.
  for (const e of embeds) {
    const qe = view.queueOf[e]!;
    const seen = new Int32Array(nq).fill(-1);
    const own = view.flatId[qe]!;
    const last = own[own.length - 1]!;
    for (let r = 0; r < nq; r++) seen[r] = hb.clock[last * nq + r]!;
    for (const w of waitsOf(view.flat[e]!)) {
      if (!w.previousStep || w.target !== hb.counters.signallers[w.counter]!.length) continue;
      const j = hb.counterJoin(w.counter);
      for (let r = 0; r < nq; r++) seen[r] = Math.max(seen[r]!, j[r]!);
    }
    for (let r = 0; r < nq && out.length < max; r++) {
      const len = view.queues[r]!.length;
      if (seen[r]! >= len - 1) continue;
      const i = view.flatId[r]![seen[r]! + 1]!;
      const c = view.flat[i]!.signalCounter;
      out.push({
        kind: 'step-overlap',
        queue: r,
        index: seen[r]! + 1,
        ...(c !== NONE16 ? { counter: c } : {}),
        message: `queue ${r} instruction ${seen[r]! + 1} does not happen-before the next step's EMBED_GATHER (queue ${qe} #${view.indexOf[e]})`,
      });
    }
    if (out.length > 0) return out;
  }
  // (b) Everything else in the step follows one of its EMBEDs (each of which follows the whole previous step).
  for (let i = 0; i < view.flat.length && out.length < max; i++) {
    if (embeds.some((e) => i === e || hb.hb(e, i))) continue;
    const e = embeds[0]!;
    out.push({
      kind: 'step-overlap',
      queue: view.queueOf[i]!,
      index: view.indexOf[i]!,
      message: `queue ${view.queueOf[i]} instruction ${view.indexOf[i]} does not follow its step's EMBED_GATHER (queue ${view.queueOf[e]} #${view.indexOf[e]})`,
    });
  }
  return out;
}
