#include "batch_shape.h"

#include <algorithm>
#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SERVESIM_AVX2_SCAN 1
#endif

namespace servesim {

namespace {
// Integer accumulators (exact, so the order rows are added in does not matter). Decodes, the common case, only
// touch four of them; their share of the attention sums (before + 1 keys each) is added once at the end.
struct Sums {
  int64_t nDecode = 0, kvDecodeSum = 0;
  int64_t kvMax = INT64_MIN, kvMin = INT64_MAX;
  int64_t prefillChunk = 0, kvPrefill = 0, nPrefill = 0;
  int64_t pairs2 = 0;  // 2 x causal query-key pairs of the prefill chunks
  int64_t kvRead = 0;  // KV entries read by the prefill chunks
};

inline void addPrefill(Sums& s, int64_t add, int64_t before) {
  s.prefillChunk += add;
  s.kvPrefill += before;
  ++s.nPrefill;
  s.kvRead += before + add;
  s.pairs2 += 2 * add * before + add * (add + 1);
}

void scanRows(const int32_t* newTokens, const int32_t* computedBefore, int from, int n, Sums& s) {
  for (int i = from; i < n; ++i) {
    const int64_t add = newTokens[i];
    const int64_t before = computedBefore[i];
    if (add == 1) {
      ++s.nDecode;
      s.kvDecodeSum += before;
      s.kvMax = before > s.kvMax ? before : s.kvMax;
      s.kvMin = before < s.kvMin ? before : s.kvMin;
    } else if (add > 1) {
      addPrefill(s, add, before);
    }
  }
}

#ifdef SERVESIM_AVX2_SCAN
// Eight rows per step: decode count, KV sum (widened to 64 bits), max and min in vector lanes; a step holding a
// prefill row (rare: one chunk per batch at most, usually) adds it on the scalar path. Returns the rows done.
__attribute__((target("avx2"))) int scanRowsAvx2(const int32_t* newTokens, const int32_t* computedBefore, int n,
                                                 Sums& s) {
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i lowest = _mm256_set1_epi32(INT32_MIN), highest = _mm256_set1_epi32(INT32_MAX);
  __m256i count = _mm256_setzero_si256(), sumLo = _mm256_setzero_si256(), sumHi = _mm256_setzero_si256();
  __m256i kvMax = lowest, kvMin = highest;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i add = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(newTokens + i));
    const __m256i before = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(computedBefore + i));
    const __m256i prefill = _mm256_cmpgt_epi32(add, one);
    if (!_mm256_testz_si256(prefill, prefill)) {
      for (int j = i; j < i + 8; ++j) {
        if (newTokens[j] > 1) addPrefill(s, newTokens[j], computedBefore[j]);
      }
    }
    const __m256i decode = _mm256_cmpeq_epi32(add, one);
    count = _mm256_sub_epi32(count, decode);
    const __m256i kv = _mm256_and_si256(decode, before);
    sumLo = _mm256_add_epi64(sumLo, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(kv)));
    sumHi = _mm256_add_epi64(sumHi, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(kv, 1)));
    kvMax = _mm256_max_epi32(kvMax, _mm256_blendv_epi8(lowest, before, decode));
    kvMin = _mm256_min_epi32(kvMin, _mm256_blendv_epi8(highest, before, decode));
  }
  alignas(32) int32_t counts[8], maxes[8], mins[8];
  alignas(32) int64_t sums[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(counts), count);
  _mm256_store_si256(reinterpret_cast<__m256i*>(maxes), kvMax);
  _mm256_store_si256(reinterpret_cast<__m256i*>(mins), kvMin);
  _mm256_store_si256(reinterpret_cast<__m256i*>(sums), _mm256_add_epi64(sumLo, sumHi));
  for (int l = 0; l < 8; ++l) {
    s.nDecode += counts[l];
    // Lanes without decodes hold the sentinels INT32_MIN / INT32_MAX: they never win over a real decode, and
    // without any decode the extremes are not used.
    s.kvMax = std::max<int64_t>(s.kvMax, maxes[l]);
    s.kvMin = std::min<int64_t>(s.kvMin, mins[l]);
  }
  s.kvDecodeSum += sums[0] + sums[1] + sums[2] + sums[3];
  return i;
}

// __builtin_cpu_init first: this initializer may run before libgcc's own CPU-detection constructor.
const bool kHasAvx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
#endif

BatchShape shapeOf(const Sums& sums) {
  BatchShape s;
  s.prefillChunk = sums.prefillChunk;
  s.kvPrefill = sums.kvPrefill;
  s.nPrefill = sums.nPrefill;
  s.nDecode = sums.nDecode;
  s.kvDecodeSum = sums.kvDecodeSum;
  s.totalLen = s.prefillChunk + sums.nDecode;
  s.numSeqs = s.nPrefill + sums.nDecode;
  if (sums.nDecode > 0) {
    s.kvDecodeMean = sums.kvDecodeSum / sums.nDecode;
    s.kvDecodeMax = sums.kvMax;
    s.kvDecodeMin = sums.kvMin;
  }
  s.attentionPairs = 0.5 * static_cast<double>(sums.pairs2 + 2 * (sums.kvDecodeSum + sums.nDecode));
  s.kvTokensRead = static_cast<double>(sums.kvRead + sums.kvDecodeSum + sums.nDecode);
  return s;
}
}  // namespace

BatchShape describeBatch(const int32_t* newTokens, const int32_t* computedBefore, int n) {
  Sums sums;
  int done = 0;
#ifdef SERVESIM_AVX2_SCAN
  if (kHasAvx2) done = scanRowsAvx2(newTokens, computedBefore, n, sums);
#endif
  scanRows(newTokens, computedBefore, done, n, sums);
  return shapeOf(sums);
}

BatchShape describeBatchPortable(const int32_t* newTokens, const int32_t* computedBefore, int n) {
  Sums sums;
  scanRows(newTokens, computedBefore, 0, n, sums);
  return shapeOf(sums);
}

void addDecodeRows(BatchShape& s, const DecodeRows& d) {
  if (d.count <= 0) return;
  if (s.nDecode == 0) {
    s.kvDecodeMin = d.minBefore;
    s.kvDecodeMax = d.maxBefore;
  } else {
    s.kvDecodeMin = d.minBefore < s.kvDecodeMin ? d.minBefore : s.kvDecodeMin;
    s.kvDecodeMax = d.maxBefore > s.kvDecodeMax ? d.maxBefore : s.kvDecodeMax;
  }
  s.nDecode += d.count;
  s.kvDecodeSum += d.sumBefore;
  s.kvDecodeMean = s.kvDecodeSum / s.nDecode;
  s.totalLen += d.count;
  s.numSeqs += d.count;
  // Each decode row adds (before + 1) query-key pairs and KV entries read (see the end of describeBatch).
  s.attentionPairs += static_cast<double>(d.sumBefore + d.count);
  s.kvTokensRead += static_cast<double>(d.sumBefore + d.count);
}

}  // namespace servesim
