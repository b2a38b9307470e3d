/**
 * A mixture-of-experts MLP in the op-per-step chain (Mixtral): the router's logits (MATVEC), the routing
 * decision (MOE_ROUTE), then for each of the topK slots the chosen expert's gate and up products
 * (MOE_MATVEC), its activation, and its down product weighted by its routing weight, added into projOut
 * (zeroed first) slot after slot. Only the chosen experts' rows are streamed: which ones is data the
 * loader reads after the instruction's waits, so those waits are never elided (elide-waits.ts).
 */
import { instructionFor, type RuntimeModelConfig } from '@megakernel/isa';
import type { GraphBuilder } from './graph.js';
import { columnParts, OP_CHAIN_MAX_K } from './op-chain.js';
import { CompileError } from './options.js';
import type { ExpertTensorIds, TensorIds } from './program-tensors.js';
import type { Tiling } from './tiling.js';

/** The chain's activation step: act(gate) * up (or act(up)) into `out`, after the ops in `after`. */
export type Activate = (
  layer: number,
  after: number[],
  tensors: { readonly gate: number | undefined; readonly up: number; readonly out: number },
) => number;

export interface ExpertsInput {
  /** The op that wrote the MLP's input, and the input itself. */
  readonly op: number;
  readonly x: number;
  /** The last op that reads projOut before the experts overwrite it (attention's residual add). */
  readonly lastReader: number;
}

/** Lowers layer `l`'s experts; returns the op after which projOut holds their weighted sum. */
export function lowerExperts(
  g: GraphBuilder,
  config: RuntimeModelConfig,
  l: number,
  input: ExpertsInput,
  ids: TensorIds,
  w: ExpertTensorIds,
  tiling: Tiling,
  activate: Activate,
): number {
  const moe = config.moe;
  const state = ids.moe;
  const projOut = ids.scratch?.projOut;
  if (moe === null || state === undefined || projOut === undefined)
    throw new Error('lowerExperts needs a mixture-of-experts config, its state and the chain scratch');
  if (config.hiddenSize > OP_CHAIN_MAX_K)
    throw new CompileError(
      'unsupported-model',
      `hidden size ${config.hiddenSize} > ${OP_CHAIN_MAX_K}: the router and the experts' gate/up take it whole`,
    );
  if (!config.mlpGated) throw new CompileError('unsupported-model', 'experts without a gate projection');
  if (config.parallelResidual)
    throw new CompileError('unsupported-model', 'experts with a parallel residual: no model has both');
  const layer = { layer: l };
  const h = config.hiddenSize;
  const router = g.op(
    'router',
    l,
    [input.op],
    [
      instructionFor(
        'MATVEC',
        {
          x: input.x,
          W: w.router,
          y: state.logits,
          rowStart: 0,
          rowCount: moe.numExperts,
          kStart: 0,
          kCount: h,
        },
        layer,
      ),
    ],
  );
  const route = g.op(
    'route',
    l,
    [router],
    [
      instructionFor(
        'MOE_ROUTE',
        {
          ...(moe.normalizeTopK ? { flags: ['normalize'] as const } : {}),
          logits: state.logits,
          route: state.route,
          topK: moe.topK,
        },
        layer,
      ),
    ],
  );
  // The route orders the input too (the router read it), so each product waits on the route alone.
  const product = (
    kind: string,
    after: number[],
    tiles: Tiling['matvec']['gateUp']['tiles'],
    operands: { x: number; W: number; y: number; slot: number; weighted?: boolean },
  ): number =>
    g.op(
      kind,
      l,
      after,
      tiles.map((t) =>
        instructionFor(
          'MOE_MATVEC',
          {
            ...(operands.weighted ? { flags: ['accumulate', 'weighted'] as const } : {}),
            x: operands.x,
            W: operands.W,
            y: operands.y,
            route: state.route,
            rowStart: t.rowStart,
            rowCount: t.rowCount,
            kStart: t.kStart,
            kCount: t.kCount,
            slot: operands.slot,
          },
          layer,
        ),
      ),
    );
  // projOut is zeroed once attention's residual add has read it; each slot's down product adds into it.
  let down = g.op(
    'experts-zero',
    l,
    [input.lastReader],
    [instructionFor('ZERO', { dst: projOut, offset: 0, count: h }, layer)],
  );
  const parts = columnParts(config.intermediateSize);
  for (let j = 0; j < moe.topK; j++) {
    const gateUp = tiling.matvec.gateUp.tiles;
    const gate = product('expert-gate', [route], gateUp, {
      x: input.x,
      W: w.gate,
      y: state.gateOut[j]!,
      slot: j,
    });
    const up = product('expert-up', [route], gateUp, { x: input.x, W: w.up, y: state.upOut[j]!, slot: j });
    const act = activate(l, [gate, up], { gate: state.gateOut[j]!, up: state.upOut[j]!, out: state.act[j]! });
    for (const [kStart, kCount] of parts) {
      const tiles = tiling.matvec.down.tiles.map((t) => ({ ...t, kStart, kCount }));
      // Each part reads its own columns of the activation, whose tiles it waits for itself.
      down = product('expert-down', [act, down], tiles, {
        x: state.act[j]!,
        W: w.down,
        y: projOut,
        slot: j,
        weighted: true,
      });
    }
  }
  return down;
}
