#include "batch_shape.h"

#include <algorithm>
#include <cstdint>

namespace servesim {

BatchShape describeBatch(const int32_t* newTokens, const int32_t* computedBefore, int n) {
  BatchShape s;
  // Integer accumulators: exact, and cheaper than doubles in this per-request loop.
  int64_t pairs2 = 0;  // 2 x causal query-key pairs
  int64_t kvRead = 0;
  int64_t kvMax = INT64_MIN, kvMin = INT64_MAX;
  for (int i = 0; i < n; ++i) {
    const int64_t add = newTokens[i];
    const int64_t before = computedBefore[i];
    if (add <= 0) continue;
    s.totalLen += add;
    kvRead += before + add;
    pairs2 += 2 * add * before + add * (add + 1);
    if (add > 1) {
      s.prefillChunk += add;
      s.kvPrefill += before;
      ++s.nPrefill;
    } else {
      ++s.nDecode;
      s.kvDecodeSum += before;
      kvMax = before > kvMax ? before : kvMax;
      kvMin = before < kvMin ? before : kvMin;
    }
  }
  s.numSeqs = s.nPrefill + s.nDecode;
  if (s.nDecode > 0) {
    s.kvDecodeMean = s.kvDecodeSum / s.nDecode;
    s.kvDecodeMax = kvMax;
    s.kvDecodeMin = kvMin;
  }
  s.attentionPairs = 0.5 * static_cast<double>(pairs2);
  s.kvTokensRead = static_cast<double>(kvRead);
  return s;
}

}  // namespace servesim
