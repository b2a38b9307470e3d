// The elementwise opcodes (activations, ADD, MUL, RESIDUAL_ADD, SCALE, ELEMWISE_MUL_ADD, SOFTCAP) over
// elements [offset, offset + count) of every operand; MOE_ROUTE (its own file) enters through here.
#pragma once
#include "../activations.cuh"
#include "../sync.cuh"
#include "moe_route.cuh"

namespace mk {

// Every elementwise opcode names its inputs a, b, c from slot 0 and its output `out` right after the
// last (the table's elementwise()), with offset and count in a0 and a1. op_elementwise reads the
// inputs as ELEMWISE_MUL_ADD names them and `out` through an opcode with as many inputs; this holds
// its grouping of the opcodes by input count to the table.
static_assert(SiluOps<Plan>::kSlotOut == 1 && GeluOps<Plan>::kSlotOut == 1 && GeluTanhOps<Plan>::kSlotOut == 1 &&
                  ReluOps<Plan>::kSlotOut == 1 && ResidualAddOps<Plan>::kSlotOut == 1 &&
                  ScaleOps<Plan>::kSlotOut == 1 && SoftcapOps<Plan>::kSlotOut == 1 && SwigluOps<Plan>::kSlotOut == 2 && GegluOps<Plan>::kSlotOut == 2 &&
                  AddOps<Plan>::kSlotOut == 2 && MulOps<Plan>::kSlotOut == 2 &&
                  ElemwiseMulAddOps<Plan>::kSlotOut == 3,
              "op_elementwise: an elementwise opcode's input count differs from the opcode table");
static_assert(SiluOps<Plan>::kSlotA == 0 && AddOps<Plan>::kSlotA == 0 && AddOps<Plan>::kSlotB == 1 &&
                  ElemwiseMulAddOps<Plan>::kSlotA == 0 && ElemwiseMulAddOps<Plan>::kSlotB == 1 &&
                  ElemwiseMulAddOps<Plan>::kSlotC == 2,
              "op_elementwise: elementwise inputs are not a, b, c from slot 0");

__device__ __noinline__ bool op_elementwise(Consumer& c, const Plan& p) {
  const uint8_t op = p.inst.opcode;
  if (op == OP_MOE_ROUTE) return op_moe_route(c, p);  // dispatched here to keep dispatch() small (megakernel.cu)
  const int inputs = (op == OP_ELEMWISE_MUL_ADD) ? 3 : (op == OP_ADD || op == OP_MUL || op == OP_SWIGLU || op == OP_GEGLU) ? 2 : 1;
  const ElemwiseMulAddOps three(p);
  const AddOps two(p);
  const SiluOps one(p);
  const TRef& a = three.a();
  const TRef& b = three.b();
  const TRef& cc = three.c();
  const TRef& out = inputs == 3 ? three.out() : inputs == 2 ? two.out() : one.out();
  const uint32_t outSlot = inputs == 3 ? three.kSlotOut : inputs == 2 ? two.kSlotOut : one.kSlotOut;
  const uint64_t o = three.offset(), n = three.count();
  // The first operand, in slot order, that is absent or too short is the detail.
  const auto bad = [&](const TRef& t) { return !present(t) || t.n < o + n; };
  const uint32_t badSlot = bad(a)                  ? three.kSlotA
                           : inputs > 1 && bad(b)  ? three.kSlotB
                           : inputs > 2 && bad(cc) ? three.kSlotC
                           : bad(out)              ? outSlot
                                                   : NONE16;
  if (badSlot != NONE16) {
    c.fail(p, STATUS_BAD_EXTENT, badSlot);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  const float scale = ScaleOps(p).scale();  // f0: SCALE's and RESIDUAL_ADD's multiplier (unused by the others)
  const float cap = SoftcapOps(p).cap();      // f0 too: SOFTCAP's cap
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
      case OP_RESIDUAL_ADD: v = fmaf(scale, x, load_f(out, e)); break;
      case OP_SCALE: v = x * scale; break;
      case OP_SOFTCAP: v = cap * tanhf(x / cap); break;
      default: v = fmaf(x, load_f(b, e), load_f(cc, e)); break;  // ELEMWISE_MUL_ADD
    }
    store_f(out, e, v);
  }
  return true;
}

}  // namespace mk
