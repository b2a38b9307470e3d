// COPY (dtype-converting), ZERO and CACHE_APPEND (kv[which, pos, :] = src[offset .. + Hkv*d]).
#pragma once
#include "../sync.cuh"

namespace mk {

__device__ __forceinline__ void copy_elems(Consumer& c, const TRef& src, uint64_t so, const TRef& dst, uint64_t d0,
                                           uint64_t n) {
  const bool raw = src.dtype == dst.dtype && dtype_bytes(src.dtype) == 4;
  for (uint64_t i = c.tid; i < n; i += Cfg::kConsumerThreads) {
    if (raw) {
      __stcg(reinterpret_cast<unsigned*>(dst.ptr) + d0 + i, load_bits32(src, so + i));
    } else {
      store_f(dst, d0 + i, load_f(src, so + i));
    }
  }
}

__device__ __noinline__ bool op_copy(Consumer& c, const Plan& p) {
  const TRef &src = p.t[0], &dst = p.t[1];
  const uint64_t so = p.inst.a0, d0 = p.inst.a1, n = p.inst.a2;
  if (!present(src) || !present(dst) || src.n < so + n || dst.n < d0 + n) {
    c.fail(p, STATUS_BAD_EXTENT, 0);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  copy_elems(c, src, so, dst, d0, n);
  return true;
}

__device__ __noinline__ bool op_zero(Consumer& c, const Plan& p) {
  const TRef& dst = p.t[0];
  const uint64_t o = p.inst.a0, n = p.inst.a1;
  if (!present(dst) || dst.n < o + n) {
    c.fail(p, STATUS_BAD_EXTENT, 0);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  for (uint64_t i = c.tid; i < n; i += Cfg::kConsumerThreads) store_f(dst, o + i, 0.f);
  return true;
}

__device__ __noinline__ bool op_cache_append(Consumer& c, const Plan& p) {
  const TRef &src = p.t[0], &kv = p.t[1];
  const uint64_t off = p.inst.a0, which = p.inst.a1;
  if (!present(src) || !present(kv) || kv.rank != 4) {
    c.fail(p, STATUS_BAD_TENSOR, 1);
    return false;
  }
  const uint64_t maxSeq = kv.shape[1], row = uint64_t(kv.shape[2]) * kv.shape[3];
  if (which > 1 || p.pos >= maxSeq || src.n < off + row) {
    c.fail(p, STATUS_BAD_EXTENT, 1);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  copy_elems(c, src, off, kv, (which * maxSeq + p.pos) * row, row);
  return true;
}

}  // namespace mk
