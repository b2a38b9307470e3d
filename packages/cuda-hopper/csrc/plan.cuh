// A decoded instruction ("plan"): the loader warp resolves tensor ids into addresses, checks the
// weight tile against its tensor, and describes the weight stream; the consumers read it from
// shared memory. `for_each_stage` is the one definition of the stream order both roles follow.
#pragma once
#include <cstdint>

#include "config.cuh"
#include "generated/isa.h"
#include "runtime.h"
#include "tensor_ref.cuh"

namespace mk {

// One weight matrix tile: rows [r0, r0 + rows) x columns [k0, k0 + rowElems) of a bf16 [N, K] tensor.
struct WStream {
  const uint8_t* base;    // &W[r0, k0]
  uint64_t rowStride;     // K * 2 bytes
  uint32_t rowElems;      // columns streamed per row
  uint32_t rowsPerStage;  // whole rows per 32 KB stage
  uint32_t contiguous;    // rows are back to back in memory (full K): one copy per stage
  uint32_t pad;
};

// The consumers accumulate each streamed matrix into its own row of SharedStorage::acc.
static_assert(MAX_WEIGHT_STREAMS == 2, "plans, the ring order and the accumulators handle two weight matrices");

// MATMUL's tile beyond the row range: the tokens, and the tensor-core stream when it takes one.
struct MatmulTile {
  uint32_t t0, tc;    // tokens [t0, t0 + tc) of the step
  uint32_t n;         // wgmma N (16, 32, 64 or 128 weight rows); 0: the CUDA-core path
  uint32_t kSteps;    // 64-column K steps streamed (tensor-core path)
  const uint8_t* mapX;  // TMA tensor maps of x [T, K] and W [N, K]
  const uint8_t* mapW;
};

struct Plan {
  Instruction inst;
  TRef t[8];
  WStream w[MAX_WEIGHT_STREAMS];
  uint32_t nstreams;  // 0, 1 or 2 weight matrices
  uint32_t rows;      // tile rows (same for both matrices)
  uint32_t k0;        // first input column
  uint32_t kc;        // input columns
  uint32_t vec;       // 16-byte weight path usable (alignment and K multiple of 8)
  uint32_t th0, th1;  // wait thresholds for this epoch
  uint32_t pos, epoch, step, index;
  uint32_t error;     // StatusCode; the loader stops after publishing an erroneous plan
  uint32_t detail;
  uint32_t expertBytes;  // a stacked [E, N, K] weight (MOE_MATVEC): bytes per expert; 0 otherwise
  uint32_t experts;      // E
  float routeWeight;     // MOE_MATVEC: the slot's routing weight (read by the loader, expert_select.cuh)
  MatmulTile mm;         // MATMUL: its token range and how it runs (matmul_plan.cuh)
};

// One stage of a plan's weight stream: `nr` rows starting at row `row` of matrix `m`.
struct StageDesc {
  uint32_t m;
  uint32_t row;        // tile-relative first row
  uint32_t nr;
  uint32_t blockBase;  // first row of the current row block (accumulator index base)
};

// Row blocks of kRowBlock rows; inside a block, each matrix's rows in stage-sized groups.
// `stage(desc)` runs per stage and `block_end(base, end)` after each row block.
template <class StageFn, class BlockFn>
__device__ __forceinline__ bool for_each_stage(const Plan& p, StageFn&& stage, BlockFn&& block_end) {
  for (uint32_t b0 = 0; b0 < p.rows; b0 += Cfg::kRowBlock) {
    const uint32_t bEnd = min(p.rows, b0 + Cfg::kRowBlock);
    for (uint32_t m = 0; m < p.nstreams; ++m) {
      const uint32_t rps = p.w[m].rowsPerStage;
      for (uint32_t r = b0; r < bEnd; r += rps) {
        if (!stage(StageDesc{m, r, min(rps, bEnd - r), b0})) return false;
      }
    }
    if (!block_end(b0, bEnd)) return false;
  }
  return true;
}

__device__ __forceinline__ TRef resolve_tensor(const KernelParams& kp, uint16_t id) {
  TRef r{};
  if (id == NONE16) return r;
  const TensorDesc d = load_tensor_desc(kp.tensors + size_t(id) * TENSOR_DESC_BYTES);
  r.ptr = (d.region == REGION_WEIGHTS ? const_cast<uint8_t*>(kp.weights) : kp.state) + d.byteOffset;
  r.n = tensor_elements(d);
  for (int i = 0; i < 4; ++i) r.shape[i] = d.shape[i];
  r.dtype = d.dtype;
  r.rank = d.rank;
  r.region = d.region;
  r.flags = d.flags;
  return r;
}

// A prefill op of one token sees a token-axis operand [T, ...] as its row `token` (isa token-axis.ts).
// False when the tensor has no such row.
__device__ __forceinline__ bool token_row(TRef& r, uint32_t token) {
  if (!present(r) || !(r.flags & TENSOR_FLAG_TOKEN_AXIS)) return true;
  if (r.rank < 2 || token >= r.shape[0]) return false;
  const uint64_t row = r.n / r.shape[0];
  r.ptr += token * row * dtype_bytes(r.dtype);
  r.n = row;
  for (int i = 0; i < 3; ++i) r.shape[i] = r.shape[i + 1];
  r.shape[3] = 1;
  r.rank -= 1;
  return true;
}

__device__ __forceinline__ void plan_fail(Plan& p, uint32_t code, uint32_t detail) {
  if (p.error == STATUS_OK) {
    p.error = code;
    p.detail = detail;
  }
}

// Describes the weight stream of matrix ops and checks every tile bound it will read. Which slots
// stream, in which order, and where the input vector is come from the generated MK_WEIGHT_STREAMS
// (the 'stream'-role operands of the opcode table; an optional one streams when present); every
// streaming opcode has rowStart = a0, rowCount = a1 and, with a K range, kStart = a2, kCount = a3.
__device__ inline void plan_weight_streams(Plan& p) {
  const Instruction& in = p.inst;
  // The matrices streamed, wa then wb (-1: none): the table's stream operands less an optional one
  // whose slot is empty. The generator guarantees a required one, so wa is always a slot.
  int wa = -1, wb = -1, input = 0;
  bool kRange = false;
  switch (in.opcode) {
#define MK_STREAM_CASE(NAME, COUNT, SLOT0, OPTIONAL0, SLOT1, OPTIONAL1, INPUT, K_RANGE)        \
  case OP_##NAME: {                                                                           \
    const bool first = !(OPTIONAL0) || present(p.t[SLOT0]);                                   \
    wa = first ? (SLOT0) : (SLOT1);                                                           \
    wb = (COUNT) > 1 && first && (!(OPTIONAL1) || present(p.t[SLOT1])) ? (SLOT1) : -1;        \
    input = (INPUT);                                                                          \
    kRange = (K_RANGE);                                                                       \
    break;                                                                                    \
  }
    MK_WEIGHT_STREAMS(MK_STREAM_CASE)
#undef MK_STREAM_CASE
    default:
      p.nstreams = 0;
      return;
  }
  const TRef& W = p.t[wa];
  const TRef& x = p.t[input];
  if (!present(W)) return plan_fail(p, STATUS_BAD_TENSOR, wa);
  if (!present(x)) return plan_fail(p, STATUS_BAD_TENSOR, input);
  // MOE_MATVEC streams one expert of a stacked [E, N, K] weight: expert 0's rows here, the chosen
  // expert's once the loader has read the route (select_expert).
  const bool stacked = in.opcode == OP_MOE_MATVEC;
  const uint32_t rank = stacked ? 3 : 2;
  if (W.dtype != DTYPE_BF16 || W.rank != rank) return plan_fail(p, STATUS_BAD_DTYPE, wa);
  const uint32_t N = W.shape[rank - 2], K = W.shape[rank - 1];
  if (stacked) {
    const uint64_t bytes = uint64_t(N) * K * 2;
    if (bytes > 0xffffffffull || W.shape[0] == 0) return plan_fail(p, STATUS_UNSUPPORTED, wa);
    p.expertBytes = uint32_t(bytes);
    p.experts = W.shape[0];
  }
  const uint32_t r0 = in.a0, R = in.a1;
  if (r0 > N || R > N - r0) return plan_fail(p, STATUS_BAD_EXTENT, wa);
  uint32_t k0 = 0, kc = K;
  if (kRange) {
    k0 = in.a2;
    if (k0 > K) return plan_fail(p, STATUS_BAD_EXTENT, 100 + wa);
    kc = in.a3 ? in.a3 : K - k0;
    if (kc > K - k0) return plan_fail(p, STATUS_BAD_EXTENT, 100 + wa);
  }
  if (kc > Cfg::kMaxVector || kc == 0) return plan_fail(p, STATUS_UNSUPPORTED, kc);
  if (x.n < uint64_t(k0) + kc) return plan_fail(p, STATUS_BAD_EXTENT, input);
  bool vec = (kc % 8 == 0) && (K % 8 == 0) && (k0 % 8 == 0) && aligned16(W.ptr);
  p.nstreams = 0;
  const int slots[2] = {wa, wb};
  for (int m = 0; m < 2; ++m) {
    if (slots[m] < 0) break;
    const TRef& M = p.t[slots[m]];
    if (!present(M)) return plan_fail(p, STATUS_BAD_TENSOR, slots[m]);
    if (M.dtype != DTYPE_BF16 || M.rank != rank) return plan_fail(p, STATUS_BAD_DTYPE, slots[m]);
    if (M.shape[rank - 2] != N || M.shape[rank - 1] != K) return plan_fail(p, STATUS_BAD_EXTENT, slots[m]);
    vec = vec && aligned16(M.ptr);
    WStream& s = p.w[m];
    s.base = M.ptr + (uint64_t(r0) * K + k0) * 2;
    s.rowStride = uint64_t(K) * 2;
    s.rowElems = kc;
    s.rowsPerStage = max(1u, min(Cfg::kStageBytes / (kc * 2), Cfg::kRowBlock));
    s.contiguous = kc == K;
    p.nstreams = m + 1;
  }
  p.rows = R;
  p.k0 = k0;
  p.kc = kc;
  p.vec = vec;
}

// MATMUL's plan (matmul_plan.cuh): its checks, its token range and which path runs it.
__device__ void plan_matmul(Plan& p, const KernelParams& kp);

// Built by the loader warp: lanes 0-7 resolve one tensor slot each, lane 0 the rest.
__device__ inline void build_plan(Plan& p, const Instruction& in, const KernelParams& kp, uint32_t step,
                                  uint32_t index, int lane) {
  bool bad = false;
  bool badRow = false;
  if (lane < 8) {
    const uint16_t id = tensor_slot(in, lane);
    bad = id != NONE16 && id >= kp.tensorCount;
    TRef r = bad ? TRef{} : resolve_tensor(kp, id);
#ifndef MK_NO_TOKEN_ROW  // workbench: decode programs without the token-row step (decode cost)
    if (!is_token_range_opcode(in.opcode)) badRow = !token_row(r, in.token);
#endif
    p.t[lane] = r;
  }
  const uint32_t badMask = __ballot_sync(0xffffffffu, bad);
  const uint32_t badRowMask = __ballot_sync(0xffffffffu, badRow);
  __syncwarp();
  if (lane == 0) {
    p.error = STATUS_OK;
    p.detail = 0;
    if (badMask) plan_fail(p, STATUS_BAD_TENSOR, __ffs(badMask) - 1);
    if (badRowMask) plan_fail(p, STATUS_BAD_EXTENT, 300 + __ffs(badRowMask) - 1);
    p.inst = in;
    p.step = step;
    p.index = index;
    p.pos = kp.pos0 + step * kp.tokensPerStep + in.token;
    p.epoch = kp.epoch0 + step;
    p.th0 = wait0_threshold(in, p.epoch);
    p.th1 = wait1_threshold(in, p.epoch);
    p.nstreams = 0;
    p.rows = 0;
    p.expertBytes = 0;
    p.experts = 1;
    p.routeWeight = 1.f;
    if ((in.wait0Counter != NONE16 && in.wait0Counter >= kp.counterCount) ||
        (in.wait1Counter != NONE16 && in.wait1Counter >= kp.counterCount) ||
        (in.signalCounter != NONE16 && in.signalCounter >= kp.counterCount)) {
      plan_fail(p, STATUS_BAD_EXTENT, 0xC0);
    }
    if (!is_executable_opcode(in.opcode)) plan_fail(p, STATUS_BAD_OPCODE, in.opcode);
    p.mm = MatmulTile{};
    if (p.error == STATUS_OK) {
      if (in.opcode == OP_MATMUL) {
        plan_matmul(p, kp);  // matmul_plan.cuh
      } else {
        plan_weight_streams(p);
      }
    }
  }
  __syncwarp();
}

}  // namespace mk
