// EMBED_GATHER: token = tokens[pos]; with embedFromArgmax a negative entry becomes the argmax of
// pos - 1 (greedy decoding without leaving the GPU) and is written back; out = scale * table[token]
// (+ positions[pos]).
#pragma once
#include "../sync.cuh"

namespace mk {

__device__ __noinline__ bool op_embed_gather(Consumer& c, const Plan& p) {
  const EmbedGatherOps op(p);
  const TRef &tokens = op.tokens(), &table = op.table(), &positions = op.positions(), &out = op.out(),
             &am = op.argmax();
  const uint32_t pos = p.pos;
  const uint32_t vocab = table.shape[0], hidden = table.shape[1];
  if (!present(tokens) || !present(table) || !present(out) || table.rank != 2 || tokens.n <= pos ||
      out.n < hidden || (present(positions) && positions.n < (uint64_t(pos) + 1) * hidden)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotTokens);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  if (c.tid == 0) {
    int32_t tok = __ldcg(reinterpret_cast<const int*>(tokens.ptr) + pos);
    uint32_t bad = 0;
    if (tok < 0 && op.embed_from_argmax() && pos > 0 && present(am) && am.n >= 2ull * pos &&
        !(reinterpret_cast<uintptr_t>(am.ptr) & 7u)) {
      const unsigned long long key = __ldcg(reinterpret_cast<const unsigned long long*>(am.ptr) + (pos - 1));
      if (key == 0) {
        bad = 1;  // no logits were folded for pos - 1
      } else {
        tok = int32_t(0xffffffffu - uint32_t(key));
        __stcg(reinterpret_cast<int*>(tokens.ptr) + pos, tok);
      }
    }
    if (!bad && (tok < 0 || uint32_t(tok) >= vocab)) bad = 2;
    if (bad) report(c.kp, STATUS_BAD_TOKEN, p.index, p.step, p.inst.opcode, 0, 0, uint32_t(tok), bad);
    c.s.token = bad ? -1 : tok;
  }
  c.sync();
  const int32_t tok = c.s.token;
  if (tok < 0) return false;
  const float scale = op.scale();
  const uint64_t tb = uint64_t(tok) * hidden, pb = uint64_t(pos) * hidden;
  for (uint32_t i = c.tid; i < hidden; i += Cfg::kConsumerThreads) {
    float v = scale * load_f(table, tb + i);
    if (present(positions)) v += load_f(positions, pb + i);
    store_f(out, i, v);
  }
  return true;
}

}  // namespace mk
