/**
 * The steps between a [Q; K; V] projection written to the `qkvOut` scratch and attention, for the
 * lowerings that cannot finish Q and K inside the projection's epilogue (the unfused mode, and q/k
 * norms, which need a whole head before RoPE): the q and k norms (per head, or over the whole projection), RoPE on the Q and K
 * heads, then Q copied to the query vector and K, V appended to the KV cache at pos.
 */
import { instructionFor, kvDim, qDim, type RuntimeModelConfig } from '@megakernel/isa';
import type { GraphBuilder } from './graph.js';
import type { LayerTensorIds, TensorIds } from './program-tensors.js';

/** Adds layer `l`'s steps after the projection op `projected`; returns the ops attention waits for. */
export function lowerQkvScratch(
  g: GraphBuilder,
  config: RuntimeModelConfig,
  l: number,
  projected: number,
  ids: TensorIds,
  w: LayerTensorIds,
): number[] {
  const x = ids.qkvOut;
  if (x === undefined) throw new Error('lowerQkvScratch needs the qkvOut scratch tensor');
  const layer = { layer: l };
  const Hq = config.numHeads;
  const Hkv = config.numKvHeads;
  const q = qDim(config);
  // Each step waits for the one before (an instruction has two wait slots): the norms and RoPE
  // cover every Q and K head, so earlier writers of those heads are ordered through the chain. The
  // copy and appends also name the projection itself, whose V rows nothing in between touches.
  let last = projected;
  const step = (kind: string, insts: Parameters<GraphBuilder['op']>[3]): void => {
    last = g.op(kind, l, [last], insts);
  };
  if (w.qNorm !== undefined && w.kNorm !== undefined) {
    const eps = config.normEps;
    // Per head (Qwen3), or one norm over all the Q heads and one over all the K heads (OLMo-2).
    const flags = config.qkNorm === 'whole' ? (['joint'] as const) : [];
    step('qk-norm', [
      instructionFor('HEAD_RMS_NORM', { flags, x, gamma: w.qNorm, headStart: 0, headCount: Hq, eps }, layer),
      instructionFor(
        'HEAD_RMS_NORM',
        { flags, x, gamma: w.kNorm, headStart: Hq, headCount: Hkv, eps },
        layer,
      ),
    ]);
  }
  if (ids.rope !== undefined) {
    step('rope', [
      instructionFor('ROPE_EMBED', { x, rope: ids.rope, headStart: 0, headCount: Hq + Hkv }, layer),
    ]);
  }
  const after = last === projected ? [projected] : [projected, last];
  const copyQ = g.op('q-copy', l, after, [
    instructionFor('COPY', { src: x, dst: ids.q, srcOffset: 0, dstOffset: 0, count: q }, layer),
  ]);
  const append = g.op('cache-append', l, after, [
    instructionFor('CACHE_APPEND', { src: x, kv: w.kv, offset: q, which: 0 }, layer),
    instructionFor('CACHE_APPEND', { src: x, kv: w.kv, offset: q + kvDim(config), which: 1 }, layer),
  ]);
  return [copyQ, append];
}
