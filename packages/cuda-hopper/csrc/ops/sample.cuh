// SAMPLE: the step's token drawn from the LM head tiles' candidate keys with the host sampler's f64
// arithmetic (reference-cpu maths/sampling.ts: nucleusProbabilities, drawIndex), its key stored over
// the argmax key of pos. Dispatched through op_argmax (megakernel.cu: a case of its own costs registers).
#pragma once
#include "../candidate_keys.cuh"
#include "../sampling_words.cuh"

namespace mk {

// orderedBits inverted: the f32 logit a key was made from.
__device__ __forceinline__ float key_logit(unsigned long long key) {
  const uint32_t o = uint32_t(key >> 32);
  return __uint_as_float((o & 0x80000000u) ? (o ^ 0x80000000u) : ~o);
}

__device__ __noinline__ bool op_sample(Consumer& c, const Plan& p) {
  const SampleOps op(p);
  const TRef &cand = op.candidates(), &sampling = op.sampling(), &uniforms = op.uniforms(), &am = op.argmax();
  const uint32_t pos = p.pos;
  if (!present(cand) || !present(sampling) || !present(uniforms) || !present(am) || sampling.n < kSamplingWords ||
      uniforms.n < 2ull * (pos + 1) || am.n < 2ull * (pos + 1) || cand.n < 2ull * kCandidates ||
      cand.n % (2ull * kCandidates) != 0 || ((reinterpret_cast<uintptr_t>(cand.ptr) | reinterpret_cast<uintptr_t>(am.ptr)) & 7u)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotCandidates);
    return false;
  }
  if (!c.wait_deps(p)) return false;
  const SamplingWords s = read_sampling_words(reinterpret_cast<const uint32_t*>(sampling.ptr));
  const uint32_t K = s.topK;
  const double temperature = s.temperature, topP = s.topP;
  if (K <= 1) return true;  // greedy (zeroed words too): the argmax key stands
  if (K > kCandidates || !(temperature >= 0.0) || !(topP > 0.0 && topP <= 1.0)) {
    c.fail(p, STATUS_BAD_EXTENT, op.kSlotSampling);
    return false;
  }
  if (greedy_sampling(s)) return true;  // temperature 0
  const unsigned long long* keys = reinterpret_cast<const unsigned long long*>(cand.ptr);
  const uint32_t lists = uint32_t(cand.n / (2ull * kCandidates));

  unsigned long long* buf = sort_buffer(c);
  // First the best m keys of every list, as many as one sort holds: when that is every key, the sort
  // already ranks them all. Otherwise its K-th key bounds the K-th largest of all from below (it is
  // the K-th of a subset), and only keys above the bound go through the rounds that follow.
  const uint32_t m = min(kCandidates, max(1u, kSortCapacity / lists));
  const uint32_t n0 = sort_size(lists * m);
  for (uint32_t i = c.tid; i < n0; i += Cfg::kConsumerThreads)
    buf[i] = i < lists * m ? __ldcg(keys + uint64_t(i / m) * kCandidates + i % m) : 0ull;
  c.sync();
  sort_keys_descending(c, buf, n0);
  if (m < kCandidates) {
    const unsigned long long t = buf[K - 1] == 0 ? 1ull : buf[K - 1];  // a zero key pads: never a candidate
    c.sync();
    if (c.tid == 0) c.s.count = 0;
    c.sync();
    uint32_t mine = 0;
    for (uint64_t i = c.tid; i < uint64_t(lists) * kCandidates; i += Cfg::kConsumerThreads) mine += __ldcg(keys + i) >= t;
    atomicAdd(&c.s.count, mine);
    c.sync();
    const uint32_t total = c.s.count;
    // When more pass than one sort holds, the lists go in groups, each sort keeping the best K.
    const uint32_t group = total <= kSortCapacity ? lists : (kSortCapacity - K) / kCandidates;
    uint32_t keep = 0;
    for (uint32_t g0 = 0; g0 < lists; g0 += group) {
      const uint32_t g1 = min(lists, g0 + group);
      c.sync();
      if (c.tid == 0) c.s.count = 0;
      c.sync();
      for (uint64_t i = uint64_t(g0) * kCandidates + c.tid; i < uint64_t(g1) * kCandidates; i += Cfg::kConsumerThreads) {
        const unsigned long long k = __ldcg(keys + i);
        if (k >= t) buf[keep + atomicAdd(&c.s.count, 1u)] = k;
      }
      c.sync();
      const uint32_t have = keep + c.s.count;
      const uint32_t n = sort_size(have);
      for (uint32_t i = have + c.tid; i < n; i += Cfg::kConsumerThreads) buf[i] = 0;
      c.sync();
      sort_keys_descending(c, buf, n);
      keep = K;
    }
  }

  // nucleusProbabilities and drawIndex, in their order of operations (thread 0 runs the sums).
  double* w = reinterpret_cast<double*>(&c.s.acc[1][0]);
  const double l0 = double(key_logit(buf[0]));
  for (uint32_t i = c.tid; i < K; i += Cfg::kConsumerThreads) {
    // Fewer than K keys (a vocabulary below K): weight 0 never drawn, as the host keeps only the vocab.
    w[i] = buf[i] == 0 ? 0.0 : exp((double(key_logit(buf[i])) - l0) / temperature);
  }
  c.sync();
  if (c.tid == 0) {
    uint32_t n = 0;
    while (n < K && buf[n] != 0) ++n;
    double sum = 0.0;
    for (uint32_t i = 0; i < n; ++i) sum += w[i];
    if (topP < 1.0) {
      double mass = 0.0;
      uint32_t m = 0;
      while (m < n && mass < topP * sum) mass += w[m++];
      n = m > 1 ? m : 1;
      sum = 0.0;
      for (uint32_t i = 0; i < n; ++i) sum += w[i];
    }
    const uint32_t* uw = reinterpret_cast<const uint32_t*>(uniforms.ptr) + 2ull * pos;
    const double u = (double(__ldcg(uw)) * 67108864.0 + double(__ldcg(uw + 1))) / 9007199254740992.0;
    double cum = 0.0;
    uint32_t pick = n - 1;
    for (uint32_t i = 0; i < n; ++i) {
      cum += w[i] / sum;
      if (u < cum) {
        pick = i;
        break;
      }
    }
    __stcg(reinterpret_cast<unsigned long long*>(am.ptr) + pos, buf[pick]);
  }
  c.sync();  // acc is the next instruction's again
  return true;
}

}  // namespace mk
