#include "skew.h"

#include <cmath>

namespace servesim {

int binLabel(const std::vector<double>& edges, double v) {
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
    if (v <= edges[i + 1]) return static_cast<int>(i);
  }
  return -1;
}

SkewFit::SkewFit(SkewBins bins, double alphaDefault, bool hasTpEntry)
    : enabled_(true), hasTpEntry_(hasTpEntry), alphaDefault_(alphaDefault), bins_(std::move(bins)) {}

uint64_t SkewFit::key(int64_t pc, int n, int sr, int kvb, int kp) {
  // pc < 2^32 and each label index < 2^8 (the bin lists have a handful of labels).
  return (static_cast<uint64_t>(pc) << 32) | (static_cast<uint64_t>(n & 0xff) << 24) |
         (static_cast<uint64_t>(sr & 0xff) << 16) | (static_cast<uint64_t>(kvb & 0xff) << 8) |
         static_cast<uint64_t>(kp & 0xff);
}

void SkewFit::addBucket(int64_t prefillChunk, int nLabel, int skewRateLabel, int kvBigLabel, int kpLabel,
                        double alpha) {
  if (prefillChunk < 0 || nLabel < 0 || skewRateLabel < 0 || kvBigLabel < 0 || kpLabel < 0) return;
  table_.emplace(key(prefillChunk, nLabel, skewRateLabel, kvBigLabel, kpLabel), alpha);
}

double SkewFit::alpha(int64_t prefillChunk, int64_t nDecode, double skewRate, int64_t kvDecodeMax,
                      int64_t kvPrefill) const {
  if (!enabled_) return 0.0;
  if (!hasTpEntry_) return alphaDefault_;
  const int n = binLabel(bins_.nBins, static_cast<double>(nDecode));
  const int sr = binLabel(bins_.skewRateBins, skewRate);
  const int kvb = binLabel(bins_.kvBigBins, static_cast<double>(kvDecodeMax));
  const int kp = binLabel(bins_.kpBins, static_cast<double>(kvPrefill));
  if (n < 0 || sr < 0 || kvb < 0 || kp < 0) return alphaDefault_;
  const auto it = table_.find(key(prefillChunk, n, sr, kvb, kp));
  return it == table_.end() ? alphaDefault_ : it->second;
}

int64_t skewCorrectedNs(int64_t tMeanNs, int64_t tMaxNs, double alpha) {
  if (alpha == 0.0 || tMaxNs <= tMeanNs) return tMeanNs;
  const double t = std::nearbyint(static_cast<double>(tMeanNs) + alpha * static_cast<double>(tMaxNs - tMeanNs));
  return t < 1.0 ? 1 : static_cast<int64_t>(t);
}

}  // namespace servesim
