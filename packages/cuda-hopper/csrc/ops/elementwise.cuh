// The elementwise opcodes (activations, ADD, MUL, RESIDUAL_ADD, SCALE, ELEMWISE_MUL_ADD) over
// elements [offset, offset + count) of every operand.
#pragma once
#include "../activations.cuh"
#include "../sync.cuh"

namespace mk {

__device__ __noinline__ bool op_elementwise(Consumer& c, const Plan& p) {
  const uint8_t op = p.inst.opcode;
  const int inputs = (op == OP_ELEMWISE_MUL_ADD) ? 3 : (op == OP_ADD || op == OP_MUL || op == OP_SWIGLU || op == OP_GEGLU) ? 2 : 1;
  const TRef& a = p.t[0];
  const TRef& b = p.t[1];
  const TRef& cc = p.t[2];
  const TRef& out = p.t[inputs];
  const uint64_t o = p.inst.a0, n = p.inst.a1;
  for (int i = 0; i <= inputs; ++i) {
    if (!present(p.t[i]) || p.t[i].n < o + n) {
      c.fail(p, STATUS_BAD_EXTENT, i);
      return false;
    }
  }
  if (!c.wait_deps(p)) return false;
  const float scale = p.inst.f0;
  for (uint64_t e = o + c.tid; e < o + n; e += Cfg::kConsumerThreads) {
    const float x = load_f(a, e);
    float v;
    switch (op) {
      case OP_SILU: v = act_silu(x); break;
      case OP_GELU: v = act_gelu(x); break;
      case OP_GELU_TANH: v = act_gelu_tanh(x); break;
      case OP_RELU: v = act_relu(x); break;
      case OP_SWIGLU: v = act_silu(x) * load_f(b, e); break;
      case OP_GEGLU: v = act_gelu(x) * load_f(b, e); break;
      case OP_ADD: v = x + load_f(b, e); break;
      case OP_MUL: v = x * load_f(b, e); break;
      case OP_RESIDUAL_ADD: v = load_f(out, e) + x; break;
      case OP_SCALE: v = x * scale; break;
      default: v = fmaf(x, load_f(b, e), load_f(cc, e)); break;  // ELEMWISE_MUL_ADD
    }
    store_f(out, e, v);
  }
  return true;
}

}  // namespace mk
