// MATMUL workbench (issue 10): Y[t, r] = sum_k W[r, k] * x[t, k] for a prefill step's T tokens, W bf16
// [N, K] (the program's weights), x and Y f32 (the program's activations), as the ISA's MATMUL defines it.
// Standalone: builds with nvcc alone, checks every variant against a double-precision reference on
// sampled outputs (and on a shape no tile divides), then times the Llama-3.2-1B layer shapes.
// Build: nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a matmul_bench.cu -o matmul_bench
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#define CHECK(x)                                                                        \
  do {                                                                                  \
    cudaError_t e_ = (x);                                                               \
    if (e_ != cudaSuccess) {                                                            \
      std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
      std::exit(1);                                                                     \
    }                                                                                   \
  } while (0)

// ---- 01: CUDA cores, one thread per output, f32 inputs (the CPU VM's arithmetic, on the GPU) ----
__global__ void matmul_01_cuda_cores(const float* x, const __nv_bfloat16* W, float* y, int T, int N, int K) {
  const int r = blockIdx.x * blockDim.x + threadIdx.x, t = blockIdx.y;
  if (r >= N || t >= T) return;
  const float* xt = x + size_t(t) * K;
  const __nv_bfloat16* wr = W + size_t(r) * K;
  float s = 0.f;
  for (int k = 0; k < K; ++k) s = fmaf(__bfloat162float(wr[k]), xt[k], s);
  y[size_t(t) * N + r] = s;
}

// ---- 02: mma.sync m16n8k16 (bf16 in, f32 accumulate); x rounded to bf16 while staged ----
// Block tile 128 rows of W x 128 tokens, K steps of 32; 8 warps as 2 (rows) x 4 (tokens), each warp
// 64 rows x 32 tokens = 4 x 4 mma tiles. Shared rows padded to 40 elements: the fragment loads of a
// warp's 8 row groups fall in distinct banks.
namespace v02 {
constexpr int BM = 128, BN = 128, BK = 32, PAD = 8, LD = BK + PAD;

__device__ __forceinline__ void mma(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// A fragments of a warp's 4 row tiles at column kk: rows g and g + 8, columns 2q and 2q + 8 (PTX's
// m16n8k16 layout); `As` rows are 40 bf16 in both variants.
template <class Rows>
__device__ __forceinline__ void a_frags(uint32_t (&a)[4][4], const Rows& As, int wm, int kk, int g, int q) {
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int r = wm + i * 16 + g;
    a[i][0] = *reinterpret_cast<const uint32_t*>(&As[r][kk + 2 * q]);
    a[i][1] = *reinterpret_cast<const uint32_t*>(&As[r + 8][kk + 2 * q]);
    a[i][2] = *reinterpret_cast<const uint32_t*>(&As[r][kk + 2 * q + 8]);
    a[i][3] = *reinterpret_cast<const uint32_t*>(&As[r + 8][kk + 2 * q + 8]);
  }
}

// The warp's 64 x 32 accumulators into y[t, r]: c0, c1 at row g, tokens 2q, 2q + 1; c2, c3 at row g + 8.
// `add`: atomically, for blocks that each own a K range of the same outputs (variant 04).
__device__ __forceinline__ void store_tile(const float (&acc)[4][4][4], float* y, int m0, int n0, int T, int N,
                                           int g, int q, bool add = false) {
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int r = m0 + i * 16 + g + (e >> 1) * 8, t = n0 + j * 8 + 2 * q + (e & 1);
        if (r >= N || t >= T) continue;
        if (add) {
          atomicAdd(y + size_t(t) * N + r, acc[i][j][e]);
        } else {
          y[size_t(t) * N + r] = acc[i][j][e];
        }
      }
}

__global__ void __launch_bounds__(256) matmul(const float* x, const __nv_bfloat16* W, float* y, int T, int N, int K) {
  __shared__ __align__(16) __nv_bfloat16 As[BM][LD];
  __shared__ __align__(16) __nv_bfloat16 Bs[BN][LD];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;
  const int wm = (warp & 1) * 64, wn = (warp >> 1) * 32;
  const int g = lane >> 2, q = lane & 3;
  float acc[4][4][4] = {};
  for (int k0 = 0; k0 < K; k0 += BK) {
    // W: 128 rows x 32 bf16 = 512 16-byte pieces, 2 per thread (rows past N read as zero).
    for (int i = tid; i < BM * BK / 8; i += 256) {
      const int row = i / (BK / 8), c = (i % (BK / 8)) * 8;
      uint4 v = make_uint4(0, 0, 0, 0);
      if (m0 + row < N) v = *reinterpret_cast<const uint4*>(W + size_t(m0 + row) * K + k0 + c);
      *reinterpret_cast<uint4*>(&As[row][c]) = v;
    }
    // x: 128 tokens x 32 f32 = 1,024 float4, 4 per thread, rounded to bf16 pairs.
    for (int i = tid; i < BN * BK / 4; i += 256) {
      const int tok = i / (BK / 4), c = (i % (BK / 4)) * 4;
      float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
      if (n0 + tok < T) v = *reinterpret_cast<const float4*>(x + size_t(n0 + tok) * K + k0 + c);
      __nv_bfloat162 lo = __floats2bfloat162_rn(v.x, v.y), hi = __floats2bfloat162_rn(v.z, v.w);
      uint2 packed;
      packed.x = *reinterpret_cast<uint32_t*>(&lo);
      packed.y = *reinterpret_cast<uint32_t*>(&hi);
      *reinterpret_cast<uint2*>(&Bs[tok][c]) = packed;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; kk += 16) {
      uint32_t a[4][4], b[4][2];
      a_frags(a, As, wm, kk, g, q);
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int n = wn + j * 8 + g;
        b[j][0] = *reinterpret_cast<const uint32_t*>(&Bs[n][kk + 2 * q]);
        b[j][1] = *reinterpret_cast<const uint32_t*>(&Bs[n][kk + 2 * q + 8]);
      }
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) mma(acc[i][j], a[i], b[j]);
    }
    __syncthreads();
  }
  store_tile(acc, y, m0 + wm, n0 + wn, T, N, g, q);
}
}  // namespace v02

// ---- 03: 02 with a 3-stage cp.async pipeline (04: the same kernel, K split over blocks); x staged as f32 and rounded to bf16 in the fragments ----
// The copies of step k + 2 are in flight while step k computes. x rows padded to 40 floats: a
// half-warp's 8-byte fragment loads cover the 32 banks once.
namespace v03 {
constexpr int BM = 128, BN = 128, BK = 32, S = 3, LDA = BK + 8, LDX = BK + 8;
constexpr size_t kSmem = size_t(S) * (BM * LDA * 2 + BN * LDX * 4);

__device__ __forceinline__ void cp16(void* dst, const void* src, bool valid) {
  const uint32_t d = static_cast<uint32_t>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src), "r"(valid ? 16 : 0));
}
__device__ __forceinline__ uint32_t pack(float2 f) {
  __nv_bfloat162 v = __floats2bfloat162_rn(f.x, f.y);
  return *reinterpret_cast<uint32_t*>(&v);
}

__global__ void __launch_bounds__(256) matmul(const float* x, const __nv_bfloat16* W, float* y, int T, int N, int K) {
  extern __shared__ __align__(16) uint8_t smem[];
  auto As = reinterpret_cast<__nv_bfloat16(*)[BM][LDA]>(smem);
  auto Xs = reinterpret_cast<float(*)[BN][LDX]>(smem + size_t(S) * BM * LDA * 2);
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;
  const int wm = (warp & 1) * 64, wn = (warp >> 1) * 32;
  const int g = lane >> 2, q = lane & 3;
  // Blocks along z split K evenly (variant 04; one block per tile otherwise).
  const int kLen = K / int(gridDim.z), kBase = int(blockIdx.z) * kLen;
  const int steps = kLen / BK;
  auto load = [&](int slot, int k0) {
    k0 += kBase;
    for (int i = tid; i < BM * BK / 8; i += 256) {
      const int row = i / (BK / 8), c = (i % (BK / 8)) * 8;
      const bool ok = m0 + row < N;
      cp16(&As[slot][row][c], W + (ok ? size_t(m0 + row) * K + k0 + c : 0), ok);
    }
    for (int i = tid; i < BN * BK / 4; i += 256) {
      const int tok = i / (BK / 4), c = (i % (BK / 4)) * 4;
      const bool ok = n0 + tok < T;
      cp16(&Xs[slot][tok][c], x + (ok ? size_t(n0 + tok) * K + k0 + c : 0), ok);
    }
  };
  float acc[4][4][4] = {};
#pragma unroll
  for (int s = 0; s < S - 1; ++s) {
    if (s < steps) load(s, s * BK);
    asm volatile("cp.async.commit_group;\n");
  }
  for (int kt = 0; kt < steps; ++kt) {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(S - 2));
    __syncthreads();  // step kt landed for everyone; slot (kt - 1) % S is free again
    if (kt + S - 1 < steps) load((kt + S - 1) % S, (kt + S - 1) * BK);
    asm volatile("cp.async.commit_group;\n");
    const int slot = kt % S;
#pragma unroll
    for (int kk = 0; kk < BK; kk += 16) {
      uint32_t a[4][4], b[4][2];
      v02::a_frags(a, As[slot], wm, kk, g, q);
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int n = wn + j * 8 + g;
        b[j][0] = pack(*reinterpret_cast<const float2*>(&Xs[slot][n][kk + 2 * q]));
        b[j][1] = pack(*reinterpret_cast<const float2*>(&Xs[slot][n][kk + 2 * q + 8]));
      }
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) v02::mma(acc[i][j], a[i], b[j]);
    }
  }
  v02::store_tile(acc, y, m0 + wm, n0 + wn, T, N, g, q, gridDim.z > 1);
}
}  // namespace v03

// ---- harness ----
constexpr int kVariants = 4;
struct Problem {
  int T, N, K;
  const char* name;
};

static float bf16_round(float v) { return __bfloat162float(__float2bfloat16_rn(v)); }

static void launch(int variant, const float* x, const __nv_bfloat16* W, float* y, const Problem& p) {
  if (variant == 1) {
    matmul_01_cuda_cores<<<dim3((p.N + 127) / 128, p.T), 128>>>(x, W, y, p.T, p.N, p.K);
  } else if (variant >= 3) {
    const dim3 tiles((p.N + v03::BM - 1) / v03::BM, (p.T + v03::BN - 1) / v03::BN);
    // 04: split K over blocks until two blocks per SM, keeping K ranges of >= 512 whole 32-column steps.
    int split = 1;
    while (variant == 4 && int(tiles.x * tiles.y) * split < 264 && p.K % (64 * split) == 0 && p.K / (2 * split) >= 512)
      split *= 2;
    if (split > 1) CHECK(cudaMemsetAsync(y, 0, size_t(p.T) * p.N * 4));
    v03::matmul<<<dim3(tiles.x, tiles.y, split), 256, v03::kSmem>>>(x, W, y, p.T, p.N, p.K);
  } else {
    v02::matmul<<<dim3((p.N + v02::BM - 1) / v02::BM, (p.T + v02::BN - 1) / v02::BN), 256>>>(x, W, y, p.T, p.N, p.K);
  }
}

// Max over sampled outputs of |got - want| / (sum_k |W x|): the error relative to the dot's own scale,
// against references with x exact (f32) and x rounded to bf16.
static void check(int variant, const Problem& p, std::mt19937& rng, double* errExact, double* errRounded) {
  std::normal_distribution<float> nd(0.f, 1.f);
  std::vector<float> hx(size_t(p.T) * p.K);
  std::vector<__nv_bfloat16> hw(size_t(p.N) * p.K);
  for (auto& v : hx) v = nd(rng);
  for (auto& v : hw) v = __float2bfloat16_rn(nd(rng) * 0.05f);
  float *x, *y;
  __nv_bfloat16* W;
  CHECK(cudaMalloc(&x, hx.size() * 4));
  CHECK(cudaMalloc(&W, hw.size() * 2));
  CHECK(cudaMalloc(&y, size_t(p.T) * p.N * 4));
  CHECK(cudaMemcpy(x, hx.data(), hx.size() * 4, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(W, hw.data(), hw.size() * 2, cudaMemcpyHostToDevice));
  CHECK(cudaMemset(y, 0xff, size_t(p.T) * p.N * 4));  // NaN: an output never written fails the check
  launch(variant, x, W, y, p);
  CHECK(cudaGetLastError());
  std::vector<float> hy(size_t(p.T) * p.N);
  CHECK(cudaMemcpy(hy.data(), y, hy.size() * 4, cudaMemcpyDeviceToHost));
  const bool all = size_t(p.T) * p.N <= 20000;
  const size_t samples = all ? size_t(p.T) * p.N : 4096;
  std::uniform_int_distribution<int> dt(0, p.T - 1), dn(0, p.N - 1);
  *errExact = *errRounded = 0;
  for (size_t s = 0; s < samples; ++s) {
    const int t = all ? int(s / p.N) : dt(rng), r = all ? int(s % p.N) : dn(rng);
    double exact = 0, rounded = 0, scale = 0;
    for (int k = 0; k < p.K; ++k) {
      const double w = __bfloat162float(hw[size_t(r) * p.K + k]), xv = hx[size_t(t) * p.K + k];
      exact += w * xv;
      rounded += w * bf16_round(float(xv));
      scale += std::fabs(w * xv);
    }
    const double got = hy[size_t(t) * p.N + r];
    const double e1 = std::isfinite(got) ? std::fabs(got - exact) / scale : INFINITY;
    const double e2 = std::isfinite(got) ? std::fabs(got - rounded) / scale : INFINITY;
    *errExact = std::fmax(*errExact, e1);
    *errRounded = std::fmax(*errRounded, e2);
  }
  CHECK(cudaFree(x));
  CHECK(cudaFree(W));
  CHECK(cudaFree(y));
}

static double time_ms(int variant, const Problem& p) {
  float *x, *y;
  __nv_bfloat16* W;
  CHECK(cudaMalloc(&x, size_t(p.T) * p.K * 4));
  CHECK(cudaMalloc(&W, size_t(p.N) * p.K * 2));
  CHECK(cudaMalloc(&y, size_t(p.T) * p.N * 4));
  CHECK(cudaMemset(x, 0, size_t(p.T) * p.K * 4));
  CHECK(cudaMemset(W, 0, size_t(p.N) * p.K * 2));
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  launch(variant, x, W, y, p);
  const int reps = 10;
  CHECK(cudaEventRecord(a));
  for (int i = 0; i < reps; ++i) launch(variant, x, W, y, p);
  CHECK(cudaEventRecord(b));
  CHECK(cudaEventSynchronize(b));
  float ms = 0;
  CHECK(cudaEventElapsedTime(&ms, a, b));
  CHECK(cudaFree(x));
  CHECK(cudaFree(W));
  CHECK(cudaFree(y));
  return ms / reps;
}

int main() {
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device %s, %d SMs\n", prop.name, prop.multiProcessorCount);
  CHECK(cudaFuncSetAttribute(v03::matmul, cudaFuncAttributeMaxDynamicSharedMemorySize, int(v03::kSmem)));
  std::mt19937 rng(20261203);
  // Correctness: shapes no tile divides, then one real shape (sampled).
  const Problem checks[] = {{37, 200, 96, "T37 N200 K96"}, {1, 130, 64, "T1 N130 K64"}, {37, 200, 1024, "T37 N200 K1024"},
                            {129, 3072, 2048, "T129 QKV"}};
  // A variant passes when its error against the reference of its own input rounding is under 1e-5 of
  // the dot's scale (f32 accumulation over K <= 8,192 terms); the bf16-input error is reported.
  bool ok = true;
  for (int v = 1; v <= kVariants; ++v) {
    for (const Problem& p : checks) {
      double e1, e2;
      check(v, p, rng, &e1, &e2);
      const double own = v == 1 ? e1 : e2;
      const bool pass = own < 1e-5;
      ok = ok && pass;
      std::printf("check v%02d %-14s err vs f32 x %.2e, vs bf16 x %.2e: %s\n", v, p.name, e1, e2, pass ? "ok" : "FAIL");
    }
  }
  // Llama-3.2-1B's products per layer (gate and up as one [16384, 2048] matrix).
  const Problem shapes[] = {{0, 3072, 2048, "qkv"}, {0, 2048, 2048, "o"}, {0, 16384, 2048, "gate+up"}, {0, 2048, 8192, "down"}};
  std::printf("| variant | T | qkv ms | o ms | gate+up ms | down ms | layer ms | TFLOP/s | 16 layers ms |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  for (int v = 1; v <= kVariants; ++v) {
    for (int T : {128, 1024}) {
      double layer = 0, flops = 0, each[4];
      for (int i = 0; i < 4; ++i) {
        Problem p = shapes[i];
        p.T = T;
        each[i] = time_ms(v, p);
        layer += each[i];
        flops += 2.0 * T * p.N * p.K;
      }
      std::printf("| %02d | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.0f | %.2f |\n", v, T, each[0], each[1], each[2],
                  each[3], layer, flops / (layer * 1e-3) / 1e12, 16 * layer);
    }
  }
  std::printf(ok ? "all checks passed\n" : "SOME CHECKS FAILED\n");
  return ok ? 0 : 1;
}
