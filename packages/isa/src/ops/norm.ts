/** RMS_NORM and LAYER_NORM over a whole vector (one kernel file, norm). */
import type { AccessView } from '../access-view.js';
import type { Geometry } from '../geometry.js';
import { defineOp, FLOAT, tensor } from '../op-descriptor.js';
import { EPS, NO_WEIGHT_FLAG, normInput, normParams } from './shared.js';

function accesses(a: AccessView): void {
  normInput(a);
  const y = a.tensor('y');
  a.write(y, a.whole(y));
}
const geometry = (layerNorm: boolean) => (g: Geometry) => {
  g.vector('y', g.elements('x'), 'the input length');
  g.normParams(g.elements('x'), layerNorm);
};

// Both norms name the same operands (the GPU's op_norm reads them through one accessor).
const OPERANDS = {
  tensors: [
    tensor('t0', 'x', 'read', FLOAT, 'input [n]'),
    normParams('t1'),
    tensor('t2', 'y', 'write', FLOAT, 'output [n]'),
  ],
  args: [],
  floats: [EPS],
  flags: [NO_WEIGHT_FLAG],
  file: 'norm',
  accesses,
} as const;

export const RMS_NORM = defineOp({
  name: 'RMS_NORM',
  value: 0x50,
  category: 'norm',
  status: 'executable',
  summary: 'y = x * rsqrt(mean(x²) + eps) * gamma over the whole vector',
  ...OPERANDS,
  geometry: geometry(false),
});

export const LAYER_NORM = defineOp({
  name: 'LAYER_NORM',
  value: 0x51,
  category: 'norm',
  status: 'executable',
  summary: 'y = (x - mean) * rsqrt(var + eps) * gamma (+ beta) over the whole vector (population variance)',
  ...OPERANDS,
  geometry: geometry(true),
});
