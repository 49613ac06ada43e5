#pragma once
// The batch descriptors of README §2.1, computed in one pass over the scheduled requests, plus the sums the
// roofline's attention model needs (query-key pairs, KV tokens read).
#include <cstdint>

namespace servesim {

struct BatchShape {
  int64_t totalLen = 0;        // sum of new tokens
  int64_t prefillChunk = 0;    // sum of new tokens of requests with more than one new token
  int64_t kvPrefill = 0;       // sum of computed_before of those prefill chunks
  int64_t nPrefill = 0;
  int64_t nDecode = 0;         // requests with exactly one new token
  int64_t kvDecodeSum = 0;
  int64_t kvDecodeMean = 0;    // floor(kvDecodeSum / nDecode), 0 without decodes
  int64_t kvDecodeMax = 0;
  int64_t kvDecodeMin = 0;
  int64_t numSeqs = 0;         // requests in the batch (lm_head / sampler key)
  double attentionPairs = 0;   // causal query-key pairs: chunk c after h tokens has c*h + c(c+1)/2
  double kvTokensRead = 0;     // KV entries each attention reads: history + new tokens of every request
};

// Decode rows given as totals instead of one by one (a scheduler's decode group, src/serving/decodeGroup.ts):
// how many, and the sum / min / max of their computed_before.
struct DecodeRows {
  int64_t count = 0;
  int64_t sumBefore = 0;
  int64_t minBefore = 0;
  int64_t maxBefore = 0;
};

// Add decode rows given as totals to a shape: exactly what describeBatch gives with those rows listed one by one
// (integer sums, min and max; the two double sums stay exact below 2^53).
void addDecodeRows(BatchShape& s, const DecodeRows& d);

// Requests with no new tokens are ignored (they are not scheduled work). On x86-64 CPUs with AVX2 (checked at
// run time) eight rows are scanned per step; the results are integers, identical to the portable scan's.
BatchShape describeBatch(const int32_t* newTokens, const int32_t* computedBefore, int n);
// The same, one row at a time on every CPU (the reference the vector scan is tested against).
BatchShape describeBatchPortable(const int32_t* newTokens, const int32_t* computedBefore, int n);

}  // namespace servesim
