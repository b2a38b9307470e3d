// FUSED_NORM_QKV_ROPE: y = W·norm(x) + bias for rows of [Q; K; V], RoPE (interleaved pairs) on Q
// and K rows at pos, Q rows to q, K and V rows to the KV cache at pos. A RoPE pair's partner row
// is in the same tile (the backend requires even row ranges when a RoPE table is present).
#pragma once
#include "../stream_matvec.cuh"
#include "../vector.cuh"

namespace mk {

__device__ __noinline__ bool op_fused_norm_qkv_rope(Consumer& c, const Plan& p) {
  const FusedNormQkvRopeOps op(p);
  const TRef &x = op.x(), &params = op.norm_params(), &bias = op.bias(), &q = op.q(), &kv = op.kv(), &rope = op.rope();
  if (!present(q) || !present(kv) || kv.rank != 4) {
    c.fail(p, STATUS_BAD_TENSOR, op.kSlotQ);
    return false;
  }
  const uint32_t maxSeq = kv.shape[1], d = kv.shape[3];
  const uint64_t qd = q.n, kvd = uint64_t(kv.shape[2]) * d;
  const uint32_t rot2 = present(rope) ? rope.shape[1] : 0;
  if (p.pos >= maxSeq || (rot2 && (p.pos >= rope.shape[0] || 2 * rot2 > d)) || op.w().shape[0] != qd + 2 * kvd ||
      (present(bias) && bias.n < qd + 2 * kvd)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotKv);
    return false;
  }
  zero_acc(c, p);
  const uint32_t r0 = op.row_start(), pos = p.pos;
  // Where row r (tile-relative, accumulator index i) goes, and whether it is rotated with a partner.
  struct RowInfo {
    uint64_t row, e;
    int section;  // 0 Q, 1 K, 2 V
    bool rot, odd;
    uint32_t j;
  };
  auto info = [&](uint32_t r, uint32_t i) {
    RowInfo ri{};
    ri.row = uint64_t(r0) + r;
    ri.e = ri.row;
    if (ri.row >= qd + kvd) {
      ri.section = 2;
      ri.e = ri.row - qd - kvd;
    } else if (ri.row >= qd) {
      ri.section = 1;
      ri.e = ri.row - qd;
    }
    if (ri.section < 2 && rot2) {
      ri.j = uint32_t(ri.e % d);
      if (ri.j < 2 * rot2) {
        ri.odd = ri.j & 1u;
        ri.rot = ri.odd ? i > 0 : (r + 1 < p.rows && i + 1 < Cfg::kRowBlock);
      }
    }
    return ri;
  };
  // Bias and RoPE table entries are weights: with one row per consumer thread (one row block),
  // each thread loads its row's before the dependency wait, off the critical path.
  const bool pre = p.rows <= uint32_t(Cfg::kConsumerThreads);
  float pb = 0.f, pbp = 0.f, pcs = 1.f, psn = 0.f;
  if (pre && uint32_t(c.tid) < p.rows) {
    const RowInfo ri = info(c.tid, c.tid);
    if (present(bias)) pb = load_f(bias, ri.row);
    if (ri.rot) {
      if (present(bias)) pbp = load_f(bias, ri.odd ? ri.row - 1 : ri.row + 1);
      const uint64_t t = (uint64_t(pos) * rot2 + ri.j / 2) * 2;
      pcs = load_f(rope, t);
      psn = load_f(rope, t + 1);
    }
  }
  if (!wait_and_stage(c, p, x, 0, p.kc, norm_spec(op, op.layer_norm(), true), params)) return false;
  const float* acc = c.s.acc[0];
  return run_matvec(c, p, [&](uint32_t r, uint32_t i) {
    const RowInfo ri = info(r, i);
    const bool mine = pre && r == uint32_t(c.tid);  // prefetched (always so when pre)
    float y = acc[i] + (mine ? pb : (present(bias) ? load_f(bias, ri.row) : 0.f));
    if (ri.rot) {
      const uint32_t pi = ri.odd ? i - 1 : i + 1;  // the partner row, same block
      const uint64_t prow = ri.odd ? ri.row - 1 : ri.row + 1;
      const float yp = acc[pi] + (mine ? pbp : (present(bias) ? load_f(bias, prow) : 0.f));
      float cs = pcs, sn = psn;
      if (!mine) {
        const uint64_t t = (uint64_t(pos) * rot2 + ri.j / 2) * 2;
        cs = load_f(rope, t);
        sn = load_f(rope, t + 1);
      }
      y = ri.odd ? yp * sn + y * cs : y * cs - yp * sn;
    }
    if (ri.section == 0) {
      store_f(q, ri.e, y);
    } else {
      store_f(kv, (uint64_t(ri.section - 1) * maxSeq + pos) * kvd + ri.e, y);
    }
  });
}

}  // namespace mk
