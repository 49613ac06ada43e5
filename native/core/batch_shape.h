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

// Requests with no new tokens are ignored (they are not scheduled work). On x86-64 CPUs with AVX2 (checked at
// run time) eight rows are scanned per step; the results are integers, identical to the portable scan's.
BatchShape describeBatch(const int32_t* newTokens, const int32_t* computedBefore, int n);
// The same, one row at a time on every CPU (the reference the vector scan is tested against).
BatchShape describeBatchPortable(const int32_t* newTokens, const int32_t* computedBefore, int n);

}  // namespace servesim
