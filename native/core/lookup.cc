#include "lookup.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace servesim {

int64_t microsToNs(double timeUs) {
  const double ns = std::nearbyint(timeUs * 1000.0);
  return ns < 1.0 ? 1 : static_cast<int64_t>(ns);
}

Bracket bracketAxis(const std::vector<double>& axis, double q) {
  const std::size_t n = axis.size();
  if (n <= 1 || q <= axis[0]) return {0, 0, 0.0};
  const std::size_t i = static_cast<std::size_t>(std::upper_bound(axis.begin(), axis.end(), q) - axis.begin());
  const std::size_t lo = i == n ? n - 2 : i - 1;
  const std::size_t hi = lo + 1;
  return {lo, hi, (q - axis[lo]) / (axis[hi] - axis[lo])};
}

Table1D::Table1D(const double* keys, const double* valuesNs, std::size_t count) {
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  for (std::size_t idx : order) {
    if (!keys_.empty() && keys_.back() == keys[idx]) continue;
    keys_.push_back(keys[idx]);
    values_.push_back(valuesNs[idx]);
  }
  if (keys_.size() >= 3 && keys_[1] > keys_[0]) {
    const double step = keys_[1] - keys_[0];
    bool uniform = std::floor(step) == step && std::floor(keys_[0]) == keys_[0];
    for (std::size_t i = 1; uniform && i < keys_.size(); ++i) uniform = keys_[i] == keys_[0] + step * static_cast<double>(i);
    if (uniform) uniformStep_ = step;
  }
}

std::size_t Table1D::upperBound(double q) const {
  if (uniformStep_ > 0) {
    // Integer keys k0 + j*step: the first key > q has j = floor((q - k0) / step) + 1 (exact for integer data).
    if (q < keys_[0]) return 0;
    const double j = std::floor((q - keys_[0]) / uniformStep_) + 1.0;
    return j >= static_cast<double>(keys_.size()) ? keys_.size() : static_cast<std::size_t>(j);
  }
  return static_cast<std::size_t>(std::upper_bound(keys_.begin(), keys_.end(), q) - keys_.begin());
}

int64_t Table1D::lookupNs(double x, bool& outside) const {
  const Position p = position(x);
  outside = p.outside;
  return valueNs(p);
}

}  // namespace servesim
