/** The element-wise activations and arithmetic: every operand indexed alike over [offset, offset + count). */
import type { AccessView } from '../access-view.js';
import { elementwiseRange } from '../geometry.js';
import type { TensorSlotField } from '../instruction-layout.js';
import { arg, defineOp, FLOAT, float, type OpcodeCategory, residual, tensor } from '../op-descriptor.js';

function accesses(a: AccessView): void {
  const offset = a.arg('offset');
  const end = offset + a.arg('count');
  for (const operand of a.info.tensors) {
    const t = a.tensor(operand.name);
    const range = a.flat(t, offset, end);
    if (operand.role === 'read') a.readElementwise(t, range);
    else if (operand.role === 'write') a.write(t, range);
    else a.update(t, range);
  }
}

const SLOTS: readonly TensorSlotField[] = ['t0', 't1', 't2', 't3'];

function elementwise<const N extends string>(
  name: N,
  value: number,
  category: OpcodeCategory,
  summary: string,
  inputs: 1 | 2 | 3,
  inPlace = false,
) {
  const ins = (['a', 'b', 'c'] as const).slice(0, inputs);
  return defineOp({
    name,
    value,
    category,
    status: 'executable',
    summary,
    tensors: [
      ...ins.map((n, i) => tensor(SLOTS[i]!, n, 'read', FLOAT, `input ${n}`)),
      // RESIDUAL_ADD (the only in-place one) adds into the residual stream.
      inPlace
        ? residual(tensor(SLOTS[inputs]!, 'out', 'update', FLOAT, 'residual stream, updated in place'))
        : tensor(SLOTS[inputs]!, 'out', 'write', FLOAT, 'output'),
    ],
    args: [
      arg('a0', 'offset', 'first element (same in every operand)'),
      arg('a1', 'count', 'number of elements'),
    ],
    floats:
      name === 'SCALE'
        ? [float('f0', 'scale', 'multiplier')]
        : name === 'SOFTCAP'
          ? [float('f0', 'cap', 'the cap (> 0)')]
          : inPlace
            ? [float('f0', 'scale', 'multiplies a before the add (1 but for Granite)', 'residualScale')]
            : [],
    flags: [],
    file: 'elementwise',
    accesses,
    geometry: elementwiseRange,
  });
}

export const ELEMENTWISE_OPS = [
  elementwise('SILU', 0x90, 'activation', 'out = a * sigmoid(a)', 1),
  elementwise('GELU', 0x91, 'activation', 'out = gelu(a), exact erf form', 1),
  elementwise('RELU', 0x92, 'activation', 'out = max(a, 0)', 1),
  elementwise('SWIGLU', 0x93, 'activation', 'out = silu(a) * b  (a = gate, b = up)', 2),
  elementwise('GEGLU', 0x94, 'activation', 'out = gelu(a) * b  (a = gate, b = up; exact erf form)', 2),
  elementwise('GELU_TANH', 0x95, 'activation', 'out = gelu(a), tanh approximation (GPT-2 gelu_new)', 1),
  elementwise('ADD', 0xa0, 'elementwise', 'out = a + b', 2),
  elementwise('MUL', 0xa1, 'elementwise', 'out = a * b', 2),
  elementwise('RESIDUAL_ADD', 0xa2, 'elementwise', 'out = out + scale * a (in place)', 1, true),
  elementwise('SCALE', 0xa3, 'elementwise', 'out = a * scale', 1),
  elementwise('ELEMWISE_MUL_ADD', 0xa4, 'elementwise', 'out = a * b + c', 3),
  elementwise('SOFTCAP', 0xa6, 'elementwise', 'out = cap * tanh(a / cap)  (Gemma 2 final logits)', 1),
] as const;
