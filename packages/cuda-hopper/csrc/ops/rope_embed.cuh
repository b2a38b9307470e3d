// ROPE_EMBED: rotates interleaved pairs (2i, 2i+1), i < rot/2, of heads [headStart, +headCount)
// of x [H, d] in place by the (cos, sin) of pos from the RoPE table.
#pragma once
#include "../sync.cuh"

namespace mk {

__device__ __noinline__ bool op_rope_embed(Consumer& c, const Plan& p) {
  const RopeEmbedOps op(p);
  const TRef &x = op.x(), &rope = op.rope();
  if (!present(x) || !present(rope) || x.rank != 2) {
    c.fail(p, STATUS_BAD_TENSOR, op.kSlotX);
    return false;
  }
  const uint32_t H = x.shape[0], d = x.shape[1], rot2 = rope.shape[1];
  const uint32_t h0 = op.head_start(), hc = op.head_count();
  if (h0 > H || hc > H - h0 || 2 * rot2 > d || p.pos >= rope.shape[0]) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotX);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  for (uint32_t i = c.tid; i < hc * rot2; i += Cfg::kConsumerThreads) {
    const uint32_t h = h0 + i / rot2, k = i % rot2;
    const uint64_t a = uint64_t(h) * d + 2 * k;
    const uint64_t t = (uint64_t(p.pos) * rot2 + k) * 2;
    const float cs = load_f(rope, t), sn = load_f(rope, t + 1);
    const float xa = load_f(x, a), xb = load_f(x, a + 1);
    store_f(x, a, xa * cs - xb * sn);
    store_f(x, a + 1, xa * sn + xb * cs);
  }
  return true;
}

}  // namespace mk
