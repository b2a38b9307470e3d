/**
 * MOE_ROUTE (CUDA twin: `cuda-hopper/csrc/ops/moe_route.cuh`): the router's logits into the routing
 * decision [experts chosen (as integer-valued f32), their weights].
 */
import { FLAG_MOE_NORMALIZE } from '@megakernel/isa';
import { routeTopK } from '../maths/moe-routing.js';
import type { ExecContext } from '../vm/context.js';

export function executeMoeRoute(ctx: ExecContext): void {
  const logits = ctx.float('logits');
  const route = ctx.float('route');
  const topK = ctx.arg('topK');
  if (topK < 1 || topK > logits.elements) ctx.fail(`topK ${topK} is not in [1, E = ${logits.elements}]`);
  ctx.check(logits, 0, logits.elements, 'read');
  ctx.check(route, 0, 2 * topK, 'write');
  const r = routeTopK(logits.data.subarray(0, logits.elements), topK, ctx.flag(FLAG_MOE_NORMALIZE));
  for (let j = 0; j < topK; j++) {
    route.data[j] = r.experts[j]!;
    route.data[topK + j] = r.weights[j]!;
  }
  ctx.stored(route, 0, 2 * topK);
}
