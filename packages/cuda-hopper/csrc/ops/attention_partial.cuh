// ATTENTION_PARTIAL: for the query heads of one KV head, softmax(scale·q·k)·v over one chunk of
// (the logits soft-capped first where the model says so, Gemma 2)
// the visible keys (chunk c of n covers [lo + c·L/n, lo + (c+1)·L/n), as the CPU VM). Writes the
// normalised output (direct) or the partial output and its natural-log LSE.
// Two paths: attention_fast (below) when a K/V row splits into 16-byte chunks over a power of two
// of lanes; attention_generic otherwise (lane = key for scores, lane = dim for V).
#pragma once
#include <type_traits>

#include "../sync.cuh"

namespace mk {

namespace attn {
// The fast path's (head_dim <= 128) heads per pass and scratch layout.
constexpr int H = Cfg::kAttnHeadsPerPass;
constexpr int DMAX = 128;
constexpr int kMergeStride = 2 * H + H * DMAX;  // floats per warp: m[H], l[H], o[H][DMAX]
}  // namespace attn

// The general path's pass shape: HP query heads of up to 32·UD dims (UD per lane). Wider heads take
// fewer heads per pass, so registers (HP·UD accumulators per lane) and the merge scratch stay the same.
template <int HP, int UD>
struct GenericPass {
  static constexpr int H = HP;
  static constexpr int U = UD;
  static constexpr int DMAX = 32 * UD;
  static constexpr int kMergeStride = 2 * H + H * DMAX;
  static_assert(Cfg::kConsumerWarps * kMergeStride <= Cfg::kMaxVector, "merge scratch fits the staged vector");
  static_assert(H * DMAX <= 2 * Cfg::kRowBlock, "the pre-scaled queries fit the accumulators");
};
using PassUpTo128 = GenericPass<4, 4>;
using PassUpTo256 = GenericPass<2, 8>;
static_assert(PassUpTo256::DMAX == Cfg::kAttnMaxHeadDim, "the widest pass is the kernel's head_dim limit");

template <bool kBf16, int H, int DMAX>
__device__ __forceinline__ void attn_scores(const uint8_t* krow, const float* qs, uint32_t d, float* s) {
  if (kBf16) {
    const uint4* kr = reinterpret_cast<const uint4*>(krow);
    for (uint32_t cc = 0; cc < d / 8; ++cc) {
      const uint4 kk = __ldcg(kr + cc);
      float kf[8];
      bf16x8_to_f32(kk, kf);
#pragma unroll
      for (int h = 0; h < H; ++h) {
        const float4 qa = *reinterpret_cast<const float4*>(qs + h * DMAX + cc * 8);
        const float4 qb = *reinterpret_cast<const float4*>(qs + h * DMAX + cc * 8 + 4);
        s[h] += qa.x * kf[0] + qa.y * kf[1] + qa.z * kf[2] + qa.w * kf[3] + qb.x * kf[4] + qb.y * kf[5] +
                qb.z * kf[6] + qb.w * kf[7];
      }
    }
  } else {
    const float4* kr = reinterpret_cast<const float4*>(krow);
    for (uint32_t cc = 0; cc < d / 4; ++cc) {
      const float4 kk = __ldcg(kr + cc);
#pragma unroll
      for (int h = 0; h < H; ++h) {
        const float4 qa = *reinterpret_cast<const float4*>(qs + h * DMAX + cc * 4);
        s[h] += qa.x * kk.x + qa.y * kk.y + qa.z * kk.z + qa.w * kk.w;
      }
    }
  }
}

template <class Pass>
__device__ __noinline__ bool attention_generic(Consumer& c, const Plan& p) {
  const AttentionPartialOps op(p);
  const TRef &q = op.q(), &kv = op.kv(), &out = op.out(), &lse = op.lse();
  if (!present(q) || !present(kv) || !present(out) || kv.rank != 4) {
    c.fail(p, STATUS_BAD_TENSOR, op.kSlotKv);
    return false;
  }
  const uint32_t maxSeq = kv.shape[1], Hkv = kv.shape[2], d = kv.shape[3];
  if (d == 0 || d > Pass::DMAX || (kv.dtype != DTYPE_BF16 && kv.dtype != DTYPE_F32)) {
    c.fail(p, STATUS_UNSUPPORTED, d);
    return false;
  }
  const uint32_t Hq = uint32_t(q.n / d), g = Hkv ? Hq / Hkv : 0;
  const uint32_t kvHead = op.kv_head(), chunk = op.chunk(), chunks = op.chunks(), window = op.window();
  const bool direct = op.direct();
  const uint32_t pos = p.pos;
  if (g == 0 || Hq % Hkv || kvHead >= Hkv || chunks == 0 || chunk >= chunks || pos >= maxSeq ||
      (direct ? out.n < uint64_t(Hq) * d
              : (out.n < uint64_t(chunks) * Hq * d || !present(lse) || lse.n < uint64_t(chunks) * Hq))) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotOut);
    return false;
  }
  const uint32_t lo = (window && pos + 1 > window) ? pos + 1 - window : 0;
  const uint64_t L = pos - lo + 1;
  const uint32_t c0 = lo + uint32_t(chunk * L / chunks), c1 = lo + uint32_t((chunk + 1) * L / chunks);
  const uint64_t posStride = uint64_t(Hkv) * d;
  const bool bf16 = kv.dtype == DTYPE_BF16;
  const uint32_t esz = bf16 ? 2 : 4;
  const bool vec = aligned16(kv.ptr) && (bf16 ? d % 8 == 0 : d % 4 == 0);
  const uint8_t* kbase = kv.ptr + uint64_t(kvHead) * d * esz;
  const uint64_t vOffset = uint64_t(maxSeq) * posStride;  // elements from K to V

  if (!c.wait_deps(p)) return false;
  float* qs = &c.s.acc[0][0];  // [H][DMAX], pre-scaled (the accumulators are free during attention)
  float* merge = c.s.xs;
  const float scale = op.scale();
  const float softcap = op.softcap();  // Gemma 2: z -> softcap * tanh(z / softcap); 0 = none

  for (uint32_t hp = 0; hp < g; hp += Pass::H) {
    const uint32_t nh = min(uint32_t(Pass::H), g - hp);
    for (uint32_t i = c.tid; i < Pass::H * Pass::DMAX; i += Cfg::kConsumerThreads) {
      const uint32_t hh = i / Pass::DMAX, j = i % Pass::DMAX;
      qs[i] = (hh < nh && j < d) ? load_f(q, uint64_t(kvHead * g + hp + hh) * d + j) * scale : 0.f;
    }
    c.sync();
    float m[Pass::H], l[Pass::H], o[Pass::H][Pass::U];
#pragma unroll
    for (int h = 0; h < Pass::H; ++h) {
      m[h] = -INFINITY;
      l[h] = 0.f;
#pragma unroll
      for (int u = 0; u < Pass::U; ++u) o[h][u] = 0.f;
    }
    for (uint32_t base = c0 + c.warp * 32; base < c1; base += Cfg::kConsumerWarps * 32) {
      const uint32_t key = base + c.lane;
      const bool valid = key < c1;
      float s[Pass::H] = {};
      if (valid) {
        const uint8_t* krow = kbase + uint64_t(key) * posStride * esz;
        if (vec && bf16) {
          attn_scores<true, Pass::H, Pass::DMAX>(krow, qs, d, s);
        } else if (vec) {
          attn_scores<false, Pass::H, Pass::DMAX>(krow, qs, d, s);
        } else {
          for (uint32_t j = 0; j < d; ++j) {
            const float kj = load_f(kv, uint64_t(key) * posStride + uint64_t(kvHead) * d + j);
#pragma unroll
            for (int h = 0; h < Pass::H; ++h) s[h] += qs[h * Pass::DMAX + j] * kj;
          }
        }
      }
      if (softcap > 0.f) {
#pragma unroll
        for (int h = 0; h < Pass::H; ++h) s[h] = softcap * tanhf(s[h] / softcap);
      }
      float pk[Pass::H];
#pragma unroll
      for (int h = 0; h < Pass::H; ++h) {
        const float sv = valid ? s[h] : -INFINITY;
        const float mn = fmaxf(m[h], warp_max(sv));  // finite: lane 0's key is always valid
        const float alpha = __expf(m[h] - mn);        // exp(-inf) = 0 on the first batch
        pk[h] = valid ? __expf(sv - mn) : 0.f;
        l[h] = l[h] * alpha + warp_sum(pk[h]);
        m[h] = mn;
#pragma unroll
        for (int u = 0; u < Pass::U; ++u) o[h][u] *= alpha;
      }
      const uint32_t nk = min(32u, c1 - base);
      for (uint32_t k = 0; k < nk; ++k) {
        float pb[Pass::H];
#pragma unroll
        for (int h = 0; h < Pass::H; ++h) pb[h] = __shfl_sync(0xffffffffu, pk[h], k);
        const uint64_t vrow = vOffset + uint64_t(base + k) * posStride + uint64_t(kvHead) * d;
#pragma unroll
        for (int u = 0; u < Pass::U; ++u) {
          const uint32_t j = c.lane + 32 * u;
          if (j < d) {
            const float v = bf16 ? bf16_bits_to_f32(__ldcg(reinterpret_cast<const unsigned short*>(kv.ptr) + vrow + j))
                                 : __ldcg(reinterpret_cast<const float*>(kv.ptr) + vrow + j);
#pragma unroll
            for (int h = 0; h < Pass::H; ++h) o[h][u] = fmaf(pb[h], v, o[h][u]);
          }
        }
      }
    }
    float* w = merge + c.warp * Pass::kMergeStride;
    if (c.lane == 0) {
#pragma unroll
      for (int h = 0; h < Pass::H; ++h) {
        w[h] = m[h];
        w[Pass::H + h] = l[h];
      }
    }
#pragma unroll
    for (int h = 0; h < Pass::H; ++h)
#pragma unroll
      for (int u = 0; u < Pass::U; ++u) w[2 * Pass::H + h * Pass::DMAX + c.lane + 32 * u] = o[h][u];
    c.sync();
    for (uint32_t i = c.tid; i < nh * d; i += Cfg::kConsumerThreads) {
      const uint32_t hh = i / d, j = i % d;
      float M = -INFINITY;
      for (int wi = 0; wi < Cfg::kConsumerWarps; ++wi) M = fmaxf(M, merge[wi * Pass::kMergeStride + hh]);
      float Lsum = 0.f, O = 0.f;
      if (M != -INFINITY) {
        for (int wi = 0; wi < Cfg::kConsumerWarps; ++wi) {
          const float* ww = merge + wi * Pass::kMergeStride;
          if (ww[hh] == -INFINITY) continue;
          const float e = __expf(ww[hh] - M);
          Lsum += e * ww[Pass::H + hh];
          O += e * ww[2 * Pass::H + hh * Pass::DMAX + j];
        }
      }
      const uint32_t h = kvHead * g + hp + hh;
      const float val = Lsum > 0.f ? O / Lsum : 0.f;
      if (direct) {
        store_f(out, uint64_t(h) * d + j, val);
      } else {
        store_f(out, (uint64_t(chunk) * Hq + h) * d + j, val);
        if (j == 0) store_f(lse, uint64_t(chunk) * Hq + h, Lsum > 0.f ? M + logf(Lsum) : -INFINITY);
      }
    }
    c.sync();
  }
  return true;
}


// Fast path: a group of LPK lanes per key, each lane holding 4 consecutive dims of the key's K row
// and V row (8 bytes in bf16, 16 in f32). A batch is NK keys per thread (4 bf16, 2 f32: 120 or 60
// keys per instruction pass for head_dim 64), all loaded in one round trip together with q, which
// goes straight to registers; keys written before this launch are loaded before the dependency
// wait. Scores of the batch reduce over the group with shuffles (all independent); each thread
// keeps an online softmax (m, l, o) per batch for its dims; groups then merge within the warp
// (shuffles) and across warps (shared memory, one barrier).
template <class Chunk>
__device__ __forceinline__ void chunk_to_f32(const Chunk& v, float* f);
template <>
__device__ __forceinline__ void chunk_to_f32<uint2>(const uint2& v, float* f) {
  f[0] = __uint_as_float(v.x << 16);
  f[1] = __uint_as_float(v.x & 0xffff0000u);
  f[2] = __uint_as_float(v.y << 16);
  f[3] = __uint_as_float(v.y & 0xffff0000u);
}
template <>
__device__ __forceinline__ void chunk_to_f32<uint4>(const uint4& v, float* f) {
  f[0] = __uint_as_float(v.x);
  f[1] = __uint_as_float(v.y);
  f[2] = __uint_as_float(v.z);
  f[3] = __uint_as_float(v.w);
}

template <int LPK, bool kBf16>
__device__ __noinline__ bool attention_fast(Consumer& c, const Plan& p) {
  using Chunk = typename std::conditional<kBf16, uint2, uint4>::type;
  constexpr int E = 4;              // dims per lane
  constexpr int H = attn::H;
  constexpr int KPW = 32 / LPK;     // keys per warp per pass
  constexpr int NK = kBf16 ? 4 : 2;  // key slots per thread loaded together (one round trip per batch)
  const AttentionPartialOps op(p);
  const TRef &q = op.q(), &kv = op.kv(), &out = op.out(), &lse = op.lse();
  const uint32_t maxSeq = kv.shape[1], Hkv = kv.shape[2];
  constexpr uint32_t d = LPK * E;
  const uint32_t Hq = uint32_t(q.n / d), g = Hq / Hkv;
  const uint32_t kvHead = op.kv_head(), chunk = op.chunk(), chunks = op.chunks(), window = op.window();
  const bool direct = op.direct();
  const uint32_t pos = p.pos;
  const uint32_t lo = (window && pos + 1 > window) ? pos + 1 - window : 0;
  const uint64_t L = pos - lo + 1;
  const uint32_t c0 = lo + uint32_t(chunk * L / chunks), c1 = lo + uint32_t((chunk + 1) * L / chunks);
  const uint64_t posStride = uint64_t(Hkv) * d;  // elements
  const int ci = c.lane % LPK, ks = c.lane / LPK;
  const Chunk* kbase = reinterpret_cast<const Chunk*>(kv.ptr) + (uint64_t(kvHead) * d) / E + ci;
  const uint64_t rowChunks = posStride / E;           // chunks per position
  const uint64_t vOff = uint64_t(maxSeq) * rowChunks;  // chunks from K to V
  const uint32_t keysPerPass = KPW * Cfg::kConsumerWarps;
  const uint32_t batchKeys = NK * keysPerPass;
  float* merge = c.s.xs;  // [warps][kMergeStride]
  static_assert(Cfg::kConsumerWarps * attn::kMergeStride <= Cfg::kMaxVector, "merge scratch fits the vector");

  // Slot u of a batch starting at b0 is key b0 + warp * KPW + ks + u * keysPerPass.
  Chunk kk[NK], vv[NK];
#pragma unroll
  for (int u = 0; u < NK; ++u) {
    kk[u] = Chunk{};
    vv[u] = Chunk{};
  }
  auto issue = [&](uint32_t b0, uint32_t from, uint32_t to) {
#pragma unroll
    for (int u = 0; u < NK; ++u) {
      const uint32_t key = b0 + c.warp * KPW + ks + u * keysPerPass;
      if (key >= from && key < to) {
        const Chunk* kr = kbase + uint64_t(key) * rowChunks;
        kk[u] = __ldcg(kr);
        vv[u] = __ldcg(kr + vOff);
      }
    }
  };
  // Keys below the launch's first position were written by earlier launches (a kernel boundary
  // orders them): their K/V loads go out before the dependency wait. Keys written in this launch
  // (this step's, or earlier steps') are loaded after it.
  const uint32_t early = min(c1, c.kp.pos0);
  issue(c0, c0, early);
  if (!c.wait_deps(p)) return false;
  const float scale = op.scale();
  const float softcap = op.softcap();  // Gemma 2: z -> softcap * tanh(z / softcap); 0 = none
  for (uint32_t hp = 0; hp < g; hp += H) {
    const uint32_t nh = min(uint32_t(H), g - hp);
    // q for these heads straight into registers (f32 [Hq, d], rows 16-byte aligned), in the same
    // round trip as the keys that could not be prefetched.
    const float4* qsrc = reinterpret_cast<const float4*>(q.ptr) + (uint64_t(kvHead) * g + hp) * (d / 4) + ci;
    float4 qr[H];
#pragma unroll
    for (int h = 0; h < H; ++h) qr[h] = uint32_t(h) < nh ? __ldcg(qsrc + h * (d / 4)) : make_float4(0.f, 0.f, 0.f, 0.f);
    float m[H], l[H], o[H][E];
#pragma unroll
    for (int h = 0; h < H; ++h) {
      m[h] = -INFINITY;
      l[h] = 0.f;
#pragma unroll
      for (int e = 0; e < E; ++e) o[h][e] = 0.f;
    }
    // Warp-uniform loop (the shuffles need every lane).
    for (uint32_t b0 = c0; b0 < c1; b0 += batchKeys) {
      // Warp-uniform: a warp with no key left in the chunk (short chunks) skips the batch.
      const uint32_t wb = b0 + c.warp * KPW;
      if (wb >= c1) break;
      issue(b0, (hp == 0 && b0 == c0) ? early : c0, c1);
      if (b0 == c0) {  // q of this pass, pre-scaled
#pragma unroll
        for (int h = 0; h < H; ++h) {
          qr[h].x *= scale;
          qr[h].y *= scale;
          qr[h].z *= scale;
          qr[h].w *= scale;
        }
      }
      float s[NK][H];
      bool valid[NK];
#pragma unroll
      for (int u = 0; u < NK; ++u) {
        valid[u] = wb + ks + u * keysPerPass < c1;
        float kf[E];
        chunk_to_f32(kk[u], kf);
#pragma unroll
        for (int h = 0; h < H; ++h) {
          float t = qr[h].x * kf[0];
          t = fmaf(qr[h].y, kf[1], t);
          t = fmaf(qr[h].z, kf[2], t);
          t = fmaf(qr[h].w, kf[3], t);
          s[u][h] = t;
        }
      }
#pragma unroll
      for (int off = 1; off < LPK; off <<= 1)
#pragma unroll
        for (int u = 0; u < NK; ++u)
#pragma unroll
          for (int h = 0; h < H; ++h) s[u][h] += __shfl_xor_sync(0xffffffffu, s[u][h], off);
#if defined(MK_TIME_AFTER) && MK_TIME_AFTER == 3  // workbench: wait column ends once the first keys' scores are in
      if (c.timing && c.tid == 0 && hp == 0 && b0 == c0) c.waitDone = ptx::globaltimer();
#endif
      if (softcap > 0.f) {
#pragma unroll
        for (int u = 0; u < NK; ++u)
#pragma unroll
          for (int h = 0; h < H; ++h) s[u][h] = softcap * tanhf(s[u][h] / softcap);
      }
#pragma unroll
      for (int h = 0; h < H; ++h) {
        float mb = -INFINITY;
#pragma unroll
        for (int u = 0; u < NK; ++u)
          if (valid[u]) mb = fmaxf(mb, s[u][h]);
        const float mn = fmaxf(m[h], mb);
        if (mn != -INFINITY) {
          const float a = __expf(m[h] - mn);  // 0 while m = -inf
          l[h] *= a;
#pragma unroll
          for (int e = 0; e < E; ++e) o[h][e] *= a;
#pragma unroll
          for (int u = 0; u < NK; ++u) {
            if (valid[u]) {
              float vf[E];
              chunk_to_f32(vv[u], vf);
              const float pe = __expf(s[u][h] - mn);
              l[h] += pe;
#pragma unroll
              for (int e = 0; e < E; ++e) o[h][e] = fmaf(pe, vf[e], o[h][e]);
            }
          }
          m[h] = mn;
        }
      }
    }
#if defined(MK_TIME_AFTER) && MK_TIME_AFTER == 4  // workbench: ... after the last pass's key loop
    if (c.timing && c.tid == 0 && hp + H >= g) c.waitDone = ptx::globaltimer();
#endif
    // Merge the key groups of the warp: lanes with the same chunk index, XOR over the group bits.
#pragma unroll
    for (int off = LPK; off < 32; off <<= 1) {
#pragma unroll
      for (int h = 0; h < H; ++h) {
        const float mo = __shfl_xor_sync(0xffffffffu, m[h], off);
        const float lo2 = __shfl_xor_sync(0xffffffffu, l[h], off);
        const float M = fmaxf(m[h], mo);
        const float a = M == -INFINITY ? 0.f : __expf(m[h] - M);
        const float b = M == -INFINITY ? 0.f : __expf(mo - M);
        l[h] = l[h] * a + lo2 * b;
#pragma unroll
        for (int e = 0; e < E; ++e) {
          const float oo = __shfl_xor_sync(0xffffffffu, o[h][e], off);
          o[h][e] = o[h][e] * a + oo * b;
        }
        m[h] = M;
      }
    }
    float* w = merge + c.warp * attn::kMergeStride;
    if (ks == 0) {
#pragma unroll
      for (int h = 0; h < H; ++h) {
        if (ci == 0) {
          w[h] = m[h];
          w[H + h] = l[h];
        }
#pragma unroll
        for (int e = 0; e < E; ++e) w[2 * H + h * attn::DMAX + ci * E + e] = o[h][e];
      }
    }
    c.sync();
    for (uint32_t i = c.tid; i < nh * d; i += Cfg::kConsumerThreads) {
      const uint32_t hh = i / d, j = i % d;
      float M = -INFINITY;
#pragma unroll
      for (int wi = 0; wi < Cfg::kConsumerWarps; ++wi) M = fmaxf(M, merge[wi * attn::kMergeStride + hh]);
      float Lsum = 0.f, O = 0.f;
      if (M != -INFINITY) {
#pragma unroll
        for (int wi = 0; wi < Cfg::kConsumerWarps; ++wi) {
          const float* ww = merge + wi * attn::kMergeStride;
          const float e = ww[hh] == -INFINITY ? 0.f : __expf(ww[hh] - M);
          Lsum = fmaf(e, ww[H + hh], Lsum);
          O = fmaf(e, ww[2 * H + hh * attn::DMAX + j], O);
        }
      }
      const uint32_t h = kvHead * g + hp + hh;
      const float val = Lsum > 0.f ? O / Lsum : 0.f;
      if (direct) {
        store_f(out, uint64_t(h) * d + j, val);
      } else {
        store_f(out, (uint64_t(chunk) * Hq + h) * d + j, val);
        if (j == 0) store_f(lse, uint64_t(chunk) * Hq + h, Lsum > 0.f ? M + logf(Lsum) : -INFINITY);
      }
    }
#if defined(MK_TIME_AFTER) && MK_TIME_AFTER == 5  // workbench: ... after the last pass's merge and stores
    if (c.timing && c.tid == 0 && hp + H >= g) c.waitDone = ptx::globaltimer();
#endif
    if (hp + H < g) c.sync();  // the merge scratch is reused by the next pass; signal() syncs the last
  }
  return true;
}

__device__ __noinline__ bool op_attention_partial(Consumer& c, const Plan& p) {
  const AttentionPartialOps op(p);
  const TRef &q = op.q(), &kv = op.kv(), &out = op.out(), &lse = op.lse();
  if (present(q) && present(kv) && kv.rank == 4 && aligned16(kv.ptr) && aligned16(q.ptr) && q.dtype == DTYPE_F32 &&
      op.chunks() != 0 && op.chunk() < op.chunks() && kv.shape[2] != 0 && op.kv_head() < kv.shape[2] &&
      p.pos < kv.shape[1] && (q.n % kv.shape[3]) == 0 && (q.n / kv.shape[3]) % kv.shape[2] == 0 && present(out) &&
      (op.direct() ? out.n >= q.n
                   : (present(lse) && out.n >= uint64_t(op.chunks()) * q.n &&
                      lse.n >= uint64_t(op.chunks()) * (q.n / kv.shape[3])))) {
    const uint32_t d = kv.shape[3];
    const bool bf16 = kv.dtype == DTYPE_BF16;
    if (bf16 || kv.dtype == DTYPE_F32) {
      switch (d) {
        case 8: return bf16 ? attention_fast<2, true>(c, p) : attention_fast<2, false>(c, p);
        case 16: return bf16 ? attention_fast<4, true>(c, p) : attention_fast<4, false>(c, p);
        case 32: return bf16 ? attention_fast<8, true>(c, p) : attention_fast<8, false>(c, p);
        case 64: return bf16 ? attention_fast<16, true>(c, p) : attention_fast<16, false>(c, p);
        case 128: return bf16 ? attention_fast<32, true>(c, p) : attention_fast<32, false>(c, p);
        default: break;
      }
    }
  }
  const uint32_t d = present(kv) && kv.rank == 4 ? kv.shape[3] : 0;
  return d <= PassUpTo128::DMAX ? attention_generic<PassUpTo128>(c, p) : attention_generic<PassUpTo256>(c, p);
}

}  // namespace mk
