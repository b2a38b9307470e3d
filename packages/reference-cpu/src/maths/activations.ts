/** Pointwise activations and the gated forms (SwiGLU, GeGLU), in double precision. */
import type { ActivationKind } from '@megakernel/isa';
import { erf } from './erf.js';

const SQRT_HALF = Math.SQRT1_2;
const SQRT_TWO_OVER_PI = Math.sqrt(2 / Math.PI);

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}
/** Exact GELU: x·Φ(x), as PyTorch's `gelu(approximate='none')`. */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x * SQRT_HALF));
}
/** GPT-2's `gelu_new` / PyTorch's `gelu(approximate='tanh')`. */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_TWO_OVER_PI * (x + 0.044715 * x * x * x)));
}
export function relu(x: number): number {
  // NaN passes through, as torch.relu does.
  return x > 0 || Number.isNaN(x) ? x : 0;
}

export function activationFunction(kind: ActivationKind): (x: number) => number {
  switch (kind) {
    case 'silu':
      return silu;
    case 'gelu':
      return gelu;
    case 'gelu_tanh':
      return geluTanh;
    case 'relu':
      return relu;
  }
}

/** out[i] = act(a[i]) over the whole array (a new array unless `out` is given; may alias `a`). */
export function applyActivation(
  kind: ActivationKind,
  a: Float32Array,
  out: Float32Array = new Float32Array(a.length),
): Float32Array {
  const fn = activationFunction(kind);
  for (let i = 0; i < a.length; i++) out[i] = fn(a[i]!);
  return out;
}

/** out[i] = act(gate[i]) · up[i]: SwiGLU with silu, GeGLU with gelu. */
export function gatedActivation(
  kind: ActivationKind,
  gate: Float32Array,
  up: Float32Array,
  out: Float32Array = new Float32Array(gate.length),
): Float32Array {
  const fn = activationFunction(kind);
  for (let i = 0; i < gate.length; i++) out[i] = fn(gate[i]!) * up[i]!;
  return out;
}

export function swiglu(gate: Float32Array, up: Float32Array, out?: Float32Array): Float32Array {
  return gatedActivation('silu', gate, up, out);
}
export function geglu(gate: Float32Array, up: Float32Array, out?: Float32Array): Float32Array {
  return gatedActivation('gelu', gate, up, out);
}

/** cap · tanh(x / cap): Gemma 2's soft-cap of attention and final logits. */
export function softcap(x: number, cap: number): number {
  return cap * Math.tanh(x / cap);
}
