/**
 * FUSED_NORM_GATE_UP_ACT (CUDA twin: `cuda-hopper/csrc/ops/fused_norm_gate_up_act.cuh`): a row tile of
 * act(Wgate·norm(x) + gateBias) · (Wup·norm(x) + upBias), or act(Wup·norm(x) + upBias) ungated.
 */
import { type ActivationKind, FLAG_GATED } from '@megakernel/isa';
import { activationFunction } from '../maths/activations.js';
import { rowDot } from '../maths/matvec.js';
import type { ExecContext } from '../vm/context.js';
import { rowTile, weightRows } from './matvec.js';
import { fusedNormalizedInput } from './norm.js';

const ACTIVATIONS: readonly ActivationKind[] = ['silu', 'gelu', 'gelu_tanh', 'relu'];

export function executeFusedNormGateUpAct(ctx: ExecContext): void {
  const tile = rowTile(ctx);
  const n = fusedNormalizedInput(ctx);
  const gated = ctx.flag(FLAG_GATED);
  const kind = ACTIVATIONS[ctx.activationCode()];
  if (!kind) ctx.fail(`activation code ${ctx.activationCode()} is not defined`);
  const act = activationFunction(kind);
  const Wup = ctx.float('Wup');
  const upBias = ctx.float('upBias', true);
  const Wgate = gated ? ctx.float('Wgate') : null;
  const gateBias = gated ? ctx.float('gateBias', true) : null;
  const out = ctx.float('out');
  const K = weightRows(ctx, Wup, tile);
  if (K !== n.length) ctx.fail(`Wup has ${K} columns, x has ${n.length} elements`);
  if (Wgate && weightRows(ctx, Wgate, tile) !== K) ctx.fail('Wgate and Wup differ in columns');
  for (const b of [upBias, gateBias]) if (b) ctx.check(b, tile.rowStart, tile.rowCount, 'read');
  ctx.check(out, tile.rowStart, tile.rowCount, 'write');
  for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
    const up = rowDot(Wup.data, K, r, n, 0, K) + (upBias ? upBias.data[r]! : 0);
    if (Wgate) {
      const gate = rowDot(Wgate.data, K, r, n, 0, K) + (gateBias ? gateBias.data[r]! : 0);
      out.data[r] = act(gate) * up;
    } else {
      out.data[r] = act(up);
    }
  }
  ctx.stored(out, tile.rowStart, tile.rowCount);
}
