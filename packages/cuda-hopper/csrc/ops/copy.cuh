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
  const CopyOps op(p);
  const TRef &src = op.src(), &dst = op.dst();
  const uint64_t so = op.src_offset(), d0 = op.dst_offset(), n = op.count();
  if (!present(src) || !present(dst) || src.n < so + n || dst.n < d0 + n) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotSrc);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  copy_elems(c, src, so, dst, d0, n);
  return true;
}

__device__ __noinline__ bool op_zero(Consumer& c, const Plan& p) {
  const ZeroOps op(p);
  const TRef& dst = op.dst();
  const uint64_t o = op.offset(), n = op.count();
  if (!present(dst) || dst.n < o + n) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotDst);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  for (uint64_t i = c.tid; i < n; i += Cfg::kConsumerThreads) store_f(dst, o + i, 0.f);
  return true;
}

__device__ __noinline__ bool op_cache_append(Consumer& c, const Plan& p) {
  const CacheAppendOps op(p);
  const TRef &src = op.src(), &kv = op.kv();
  const uint64_t off = op.offset(), which = op.which();
  if (!present(src) || !present(kv) || kv.rank != 4) {
    c.fail(p, STATUS_BAD_TENSOR, op.kSlotKv);
    return false;
  }
  const uint64_t maxSeq = kv.shape[1], row = uint64_t(kv.shape[2]) * kv.shape[3];
  if (which > 1 || p.pos >= maxSeq || src.n < off + row) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotKv);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  copy_elems(c, src, off, kv, (which * maxSeq + p.pos) * row, row);
  return true;
}

}  // namespace mk
