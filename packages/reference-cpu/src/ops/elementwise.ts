/**
 * SILU, GELU, GELU_TANH, RELU, SWIGLU, GEGLU, ADD, MUL, RESIDUAL_ADD, SCALE, ELEMWISE_MUL_ADD and SOFTCAP
 * (CUDA twin: `cuda-hopper/csrc/ops/elementwise.cuh`): element-wise activations and arithmetic over
 * [offset, offset + count) of every operand.
 */
import { gelu, geluTanh, relu, silu, softcap } from '../maths/activations.js';
import type { ExecContext, FloatOperandView } from '../vm/context.js';

type Formula = (a: number, b: number, c: number, out: number, scale: number) => number;

function elementwise(inputs: readonly string[], formula: Formula, readsOut = false) {
  return (ctx: ExecContext): void => {
    const offset = ctx.arg('offset');
    const count = ctx.arg('count');
    const ins: FloatOperandView[] = inputs.map((n) => ctx.float(n));
    const out = ctx.float('out');
    for (const t of ins) ctx.check(t, offset, count, 'read');
    if (readsOut) ctx.check(out, offset, count, 'read');
    ctx.check(out, offset, count, 'write');
    // SCALE's multiplier, RESIDUAL_ADD's (Granite's residual_multiplier) and SOFTCAP's cap.
    const scale =
      ctx.info.name === 'SCALE' || readsOut
        ? ctx.arg('scale')
        : ctx.info.name === 'SOFTCAP'
          ? ctx.arg('cap')
          : 1;
    const [a, b, c] = [ins[0]?.data, ins[1]?.data, ins[2]?.data];
    for (let i = offset; i < offset + count; i++) {
      out.data[i] = formula(a ? a[i]! : 0, b ? b[i]! : 0, c ? c[i]! : 0, out.data[i]!, scale);
    }
    ctx.stored(out, offset, count);
  };
}

export const executeSilu = elementwise(['a'], (a) => silu(a));
export const executeGelu = elementwise(['a'], (a) => gelu(a));
export const executeGeluTanh = elementwise(['a'], (a) => geluTanh(a));
export const executeRelu = elementwise(['a'], (a) => relu(a));
export const executeSwiglu = elementwise(['a', 'b'], (a, b) => silu(a) * b);
export const executeGeglu = elementwise(['a', 'b'], (a, b) => gelu(a) * b);
export const executeAdd = elementwise(['a', 'b'], (a, b) => a + b);
export const executeMul = elementwise(['a', 'b'], (a, b) => a * b);
export const executeResidualAdd = elementwise(['a'], (a, _b, _c, out, s) => out + s * a, true);
export const executeScale = elementwise(['a'], (a, _b, _c, _out, s) => a * s);
export const executeMulAdd = elementwise(['a', 'b', 'c'], (a, b, c) => a * b + c);
export const executeSoftcap = elementwise(['a'], (a, _b, _c, _out, cap) => softcap(a, cap));
