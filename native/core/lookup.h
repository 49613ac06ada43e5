#pragma once
// Profile lookups exactly as LLMServingSim 2.0 does them (reference README §2.3): linear blends, never log-space.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace servesim {

// Profile CSVs hold microseconds; the simulator works on integer ns: max(1, round(us * 1000)) (README §1.1).
// std::nearbyint rounds half to even, like Python's round().
int64_t microsToNs(double timeUs);

// max(1, int(value)): truncation toward zero, then floor at 1 ns (README §2.3). Inline: every lookup ends here.
inline int64_t truncateToNs(double value) {
  const double t = std::trunc(value);
  return t < 1.0 ? 1 : static_cast<int64_t>(t);
}

// Axis bracket of §2.3: (lo, hi, t) so that value = v[lo] + t * (v[hi] - v[lo]).
struct Bracket {
  std::size_t lo;
  std::size_t hi;
  double t;
};
Bracket bracketAxis(const std::vector<double>& axis, double q);

// A 1-D table (dense.csv / per_sequence.csv layer): key -> latency ns.
class Table1D {
 public:
  Table1D() = default;
  // Sorts by key; a repeated key keeps its first value (README §2.3: duplicates dropped).
  Table1D(const double* keys, const double* valuesNs, std::size_t count);
  bool empty() const { return keys_.empty(); }
  std::size_t size() const { return keys_.size(); }
  double minKey() const { return keys_.front(); }
  double maxKey() const { return keys_.back(); }
  // README §2.3 1-D rule. `outside` is set when the query lies outside [minKey, maxKey].
  int64_t lookupNs(double x, bool& outside) const;

  // lookupNs in two halves, so that tables with the same keys (every dense.csv layer is keyed on the same token
  // grid) search the grid once: position() depends on the keys only, valueNs() reads this table's values.
  struct Position {
    double q = 0;          // the query, max(x, 1)
    std::size_t lo = 0;    // interpolate between lo and lo + 1 ...
    bool first = true;     // ... unless the value is the first key's (below the grid or a one-row table)
    bool outside = false;  // q outside [minKey, maxKey]
  };
  Position position(double x) const {
    Position p;
    p.q = std::max(x, 1.0);
    const std::size_t n = keys_.size();
    p.outside = p.q < keys_[0] || p.q > keys_[n - 1];
    const std::size_t i = upperBound(p.q);
    p.first = i == 0 || n == 1;
    // Above the last key: extrapolate from the last two points; inside: the two neighbours.
    if (!p.first) p.lo = i == n ? n - 2 : i - 1;
    return p;
  }
  int64_t valueNs(const Position& p) const {
    if (p.first) return truncateToNs(values_[0]);
    const std::size_t lo = p.lo, hi = lo + 1;
    return truncateToNs(values_[lo] + (values_[hi] - values_[lo]) * (p.q - keys_[lo]) / (keys_[hi] - keys_[lo]));
  }
  bool sameKeys(const Table1D& other) const { return keys_ == other.keys_; }

 private:
  std::size_t upperBound(double q) const;  // first index whose key is > q

  std::vector<double> keys_;
  std::vector<double> values_;
  // > 0 when the keys are integers with one integer step (e.g. 1..2048 in v0.2.1 CSVs): upperBound is O(1).
  double uniformStep_ = 0;
};

}  // namespace servesim
