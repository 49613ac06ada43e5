#pragma once
// Skew correction of attention for heterogeneous decode lengths (README §1.6 and §2.3 "Skew correction").
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace servesim {

struct SkewBins {
  std::vector<double> nBins;         // n_decode edges
  std::vector<double> skewRateBins;  // skew_rate edges
  std::vector<double> kvBigBins;     // kv_decode_max edges
  std::vector<double> kpBins;        // kv_prefill edges
};

// Label index of `v` for right-inclusive bins: the first label whose upper edge is >= v; -1 above the last edge.
int binLabel(const std::vector<double>& edges, double v);

class SkewFit {
 public:
  // Disabled: alpha is always 0 (skew_fit.enabled false or absent).
  SkewFit() = default;
  // Enabled. `hasTpEntry` false means meta.yaml has no per_tp entry for this TP: alpha = alphaDefault everywhere.
  SkewFit(SkewBins bins, double alphaDefault, bool hasTpEntry);
  // One skew_fit.csv row, its labels already turned into label indices (-1 = label not in meta.yaml: unreachable).
  void addBucket(int64_t prefillChunk, int nLabel, int skewRateLabel, int kvBigLabel, int kpLabel, double alpha);
  bool enabled() const { return enabled_; }
  // README §2.3: table entry for pc=<prefill_chunk>|n|sr|kvB(kv_decode_max)|kp(kv_prefill), else alpha_default.
  double alpha(int64_t prefillChunk, int64_t nDecode, double skewRate, int64_t kvDecodeMax, int64_t kvPrefill) const;
  std::size_t bucketCount() const { return table_.size(); }

 private:
  static uint64_t key(int64_t pc, int n, int sr, int kvb, int kp);
  bool enabled_ = false;
  bool hasTpEntry_ = false;
  double alphaDefault_ = 0.0;
  SkewBins bins_;
  std::unordered_map<uint64_t, double> table_;
};

// Attention time after skew correction, from t_mean and t_max = T(pc, kp, nd, kv_decode_max):
// t_mean if alpha == 0 or t_max <= t_mean, else max(1, round(t_mean + alpha * (t_max - t_mean))).
int64_t skewCorrectedNs(int64_t tMeanNs, int64_t tMaxNs, double alpha);

}  // namespace servesim
