#include "moe.h"

#include <cmath>
#include <map>

#include "lookup.h"

namespace servesim {

MoeTable::MoeTable(const double* tokens, const double* activatedExperts, const double* valuesNs, std::size_t count) {
  std::map<double, std::map<double, double>> grid;  // sorted; a repeated key keeps its first value
  for (std::size_t i = 0; i < count; ++i) grid[activatedExperts[i]].emplace(tokens[i], valuesNs[i]);
  for (const auto& [activated, curve] : grid) {
    Row row;
    for (const auto& [t, ns] : curve) {
      row.tokens.push_back(t);
      row.valuesNs.push_back(ns);
    }
    activated_.push_back(activated);
    rows_.push_back(std::move(row));
  }
}

double MoeTable::rowValue(const Row& row, double tokens, bool& outside) const {
  if (row.tokens.size() > 1 && (tokens < row.tokens.front() || tokens > row.tokens.back())) outside = true;
  const Bracket b = bracketAxis(row.tokens, tokens);
  if (b.t == 0.0) return row.valuesNs[b.lo];
  return row.valuesNs[b.lo] + b.t * (row.valuesNs[b.hi] - row.valuesNs[b.lo]);
}

int64_t MoeTable::lookupNs(double tokens, double activatedExperts, bool& outside) const {
  outside = activated_.size() > 1 && (activatedExperts < activated_.front() || activatedExperts > activated_.back());
  const Bracket b = bracketAxis(activated_, activatedExperts);
  const double lo = rowValue(rows_[b.lo], tokens, outside);
  if (b.t == 0.0) return truncateToNs(lo);
  const double hi = rowValue(rows_[b.hi], tokens, outside);
  return truncateToNs(lo + b.t * (hi - lo));
}

MoeRouting balancedRouting(int64_t totalTokens, int numExperts, int expertsPerToken, int ep) {
  const double t = static_cast<double>(totalTokens);
  const double p = ep < 1 ? 1 : ep;
  // A token misses a given rank with probability ((ep-1)/ep)^k when its k experts are spread evenly.
  const double reach = 1.0 - std::pow((p - 1.0) / p, expertsPerToken);
  const int64_t tokensPerRank = static_cast<int64_t>(std::nearbyint(t * reach));
  const int64_t expertsPerRank = numExperts / static_cast<int64_t>(p);
  const int64_t activated = static_cast<int64_t>(std::nearbyint(t * expertsPerToken / p));
  return {tokensPerRank, activated < expertsPerRank ? activated : expertsPerRank};
}

}  // namespace servesim
