// Decode rows given as totals (a scheduler's decode group) must describe the batch exactly as listing them does.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "batch_shape.h"
#include "test_harness.h"

using namespace servesim;

namespace {
struct Lcg {
  uint32_t state;
  int range(int lo, int hi) { return lo + static_cast<int>(((state = state * 1664525u + 1013904223u) >> 8) % static_cast<uint32_t>(hi - lo + 1)); }
};
}  // namespace

TEST_CASE(decode_rows_as_totals_describe_the_same_batch_as_listed_rows) {
  Lcg rng{12345};
  for (int round = 0; round < 500; ++round) {
    std::vector<int32_t> newTokens, before, listedNew, listedBefore;
    DecodeRows group;
    const int rows = rng.range(0, 40);
    for (int i = 0; i < rows; ++i) {
      const bool toGroup = rng.range(0, 2) > 0;
      const int32_t add = toGroup ? 1 : (rng.range(0, 3) == 0 ? 1 : rng.range(0, 900));  // listed rows: decodes, chunks, idle
      const int32_t b = rng.range(0, 200000);
      listedNew.push_back(add);
      listedBefore.push_back(b);
      if (toGroup) {
        group.minBefore = group.count == 0 ? b : std::min<int64_t>(group.minBefore, b);
        group.maxBefore = group.count == 0 ? b : std::max<int64_t>(group.maxBefore, b);
        group.count += 1;
        group.sumBefore += b;
      } else {
        newTokens.push_back(add);
        before.push_back(b);
      }
    }
    const BatchShape all = describeBatchPortable(listedNew.data(), listedBefore.data(), static_cast<int>(listedNew.size()));
    BatchShape merged = describeBatch(newTokens.data(), before.data(), static_cast<int>(newTokens.size()));
    addDecodeRows(merged, group);
    EXPECT_EQ(merged.totalLen, all.totalLen);
    EXPECT_EQ(merged.prefillChunk, all.prefillChunk);
    EXPECT_EQ(merged.kvPrefill, all.kvPrefill);
    EXPECT_EQ(merged.nPrefill, all.nPrefill);
    EXPECT_EQ(merged.nDecode, all.nDecode);
    EXPECT_EQ(merged.kvDecodeSum, all.kvDecodeSum);
    EXPECT_EQ(merged.kvDecodeMean, all.kvDecodeMean);
    EXPECT_EQ(merged.kvDecodeMax, all.kvDecodeMax);
    EXPECT_EQ(merged.kvDecodeMin, all.kvDecodeMin);
    EXPECT_EQ(merged.numSeqs, all.numSeqs);
    EXPECT_EQ(merged.attentionPairs, all.attentionPairs);
    EXPECT_EQ(merged.kvTokensRead, all.kvTokensRead);
  }
}
