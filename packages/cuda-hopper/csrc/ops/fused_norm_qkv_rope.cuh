// FUSED_NORM_QKV_ROPE: y = W·norm(x) + bias for rows of [Q; K; V], RoPE (interleaved pairs) on Q
// and K rows at pos, Q rows to q, K and V rows to the KV cache at pos. A RoPE pair's partner row
// is in the same tile (the backend requires even row ranges when a RoPE table is present).
#pragma once
#include "../stream_matvec.cuh"
#include "../vector.cuh"

namespace mk {

__device__ __noinline__ bool op_fused_norm_qkv_rope(Consumer& c, const Plan& p) {
  const TRef &x = p.t[0], &params = p.t[1], &bias = p.t[3], &q = p.t[4], &kv = p.t[5], &rope = p.t[6];
  if (!present(q) || !present(kv) || kv.rank != 4) {
    c.fail(p, STATUS_BAD_TENSOR, 4);
    return false;
  }
  const uint32_t maxSeq = kv.shape[1], d = kv.shape[3];
  const uint64_t qd = q.n, kvd = uint64_t(kv.shape[2]) * d;
  const uint32_t rot2 = present(rope) ? rope.shape[1] : 0;
  if (p.pos >= maxSeq || (rot2 && (p.pos >= rope.shape[0] || 2 * rot2 > d)) || p.t[2].shape[0] != qd + 2 * kvd ||
      (present(bias) && bias.n < qd + 2 * kvd)) {
    c.fail(p, STATUS_BAD_EXTENT, 5);
    return false;
  }
  zero_acc(c, p);
  if (!wait_and_stage(c, p, x, 0, p.kc, norm_spec(p, params, true), params)) return false;
  const uint32_t r0 = p.inst.a0, pos = p.pos;
  const float* acc = c.s.acc[0];
  return run_matvec(c, p, [&](uint32_t r, uint32_t i) {
    const uint64_t row = uint64_t(r0) + r;
    float y = acc[i] + (present(bias) ? load_f(bias, row) : 0.f);
    uint64_t e = row;
    int section = 0;  // 0 Q, 1 K, 2 V
    if (row >= qd + kvd) {
      section = 2;
      e = row - qd - kvd;
    } else if (row >= qd) {
      section = 1;
      e = row - qd;
    }
    if (section < 2 && rot2) {
      const uint32_t j = uint32_t(e % d);
      if (j < 2 * rot2) {
        const bool odd = j & 1u;
        const uint32_t pi = odd ? i - 1 : i + 1;  // the partner row, same block
        if (odd ? i > 0 : (r + 1 < p.rows && pi < Cfg::kRowBlock)) {
          const uint64_t prow = odd ? row - 1 : row + 1;
          const float yp = acc[pi] + (present(bias) ? load_f(bias, prow) : 0.f);
          const uint64_t t = (uint64_t(pos) * rot2 + j / 2) * 2;
          const float cs = load_f(rope, t), sn = load_f(rope, t + 1);
          y = odd ? yp * sn + y * cs : y * cs - yp * sn;
        }
      }
    }
    if (section == 0) {
      store_f(q, e, y);
    } else {
      store_f(kv, (uint64_t(section - 1) * maxSeq + pos) * kvd + e, y);
    }
  });
}

}  // namespace mk
