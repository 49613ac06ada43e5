#pragma once
// MoE block timing from moe.csv and LLMServingSim 2.0's BALANCED expert routing (reference README §1.7, §2.6).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace servesim {

// moe.csv: latency of one MoE block on one rank keyed on (tokens reaching the rank, distinct experts activated).
class MoeTable {
 public:
  MoeTable() = default;
  // valuesNs already converted with microsToNs.
  MoeTable(const double* tokens, const double* activatedExperts, const double* valuesNs, std::size_t count);
  bool empty() const { return activated_.empty(); }
  // README §2.6: 1-D linear over tokens within the two bracketing activated_experts rows (clamped below,
  // extrapolated above), then linear between the rows; max(1, int(...)) at the end like every lookup.
  int64_t lookupNs(double tokens, double activatedExperts, bool& outside) const;

 private:
  struct Row {
    std::vector<double> tokens;
    std::vector<double> valuesNs;
  };
  double rowValue(const Row& row, double tokens, bool& outside) const;
  std::vector<double> activated_;
  std::vector<Row> rows_;
};

// BALANCED routing (README §2.6), closed form, for T tokens, E experts, top-k, expert-parallel degree ep.
struct MoeRouting {
  int64_t tokensPerRank;     // round(T * (1 - ((ep-1)/ep)^k))
  int64_t activatedPerRank;  // min(round(T * k / ep), E // ep)
};
MoeRouting balancedRouting(int64_t totalTokens, int numExperts, int expertsPerToken, int ep);

}  // namespace servesim
