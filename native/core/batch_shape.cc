#include "batch_shape.h"

#include <algorithm>
#include <cstdint>

namespace servesim {

BatchShape describeBatch(const int32_t* newTokens, const int32_t* computedBefore, int n) {
  BatchShape s;
  // Integer accumulators (exact). Decodes, the common case, only touch four of them; their share of the
  // attention sums (before + 1 keys each) is added once after the loop.
  int64_t pairs2 = 0;  // 2 x causal query-key pairs of the prefill chunks
  int64_t kvRead = 0;  // KV entries read by the prefill chunks
  int64_t nDecode = 0, kvDecodeSum = 0;
  int64_t kvMax = INT64_MIN, kvMin = INT64_MAX;
  for (int i = 0; i < n; ++i) {
    const int64_t add = newTokens[i];
    const int64_t before = computedBefore[i];
    if (add == 1) {
      ++nDecode;
      kvDecodeSum += before;
      kvMax = before > kvMax ? before : kvMax;
      kvMin = before < kvMin ? before : kvMin;
    } else if (add > 1) {
      s.prefillChunk += add;
      s.kvPrefill += before;
      ++s.nPrefill;
      kvRead += before + add;
      pairs2 += 2 * add * before + add * (add + 1);
    }
  }
  s.nDecode = nDecode;
  s.kvDecodeSum = kvDecodeSum;
  s.totalLen = s.prefillChunk + nDecode;
  s.numSeqs = s.nPrefill + nDecode;
  if (nDecode > 0) {
    s.kvDecodeMean = kvDecodeSum / nDecode;
    s.kvDecodeMax = kvMax;
    s.kvDecodeMin = kvMin;
  }
  s.attentionPairs = 0.5 * static_cast<double>(pairs2 + 2 * (kvDecodeSum + nDecode));
  s.kvTokensRead = static_cast<double>(kvRead + kvDecodeSum + nDecode);
  return s;
}

}  // namespace servesim
