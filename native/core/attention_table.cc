#include "attention_table.h"

#include <algorithm>
#include <map>
#include <utility>

#include "lookup.h"

namespace servesim {

namespace {
std::vector<double> distinctSorted(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}
bool outsideAxis(const std::vector<double>& axis, double q) { return q < axis.front() || q > axis.back(); }
}  // namespace

AttentionTable::AttentionTable(const double* prefillChunk, const double* kvPrefill, const double* nDecode,
                               const double* kvDecode, const double* valuesNs, std::size_t count) {
  // (pc, nd) -> kp -> kv -> value; std::map keeps everything sorted. Repeated keys keep the first value.
  std::map<std::pair<double, double>, std::map<double, std::map<double, double>>> grid;
  for (std::size_t i = 0; i < count; ++i) {
    grid[{prefillChunk[i], nDecode[i]}][kvPrefill[i]].emplace(kvDecode[i], valuesNs[i]);
  }
  std::vector<double> pcs, nds;
  for (const auto& [key, rows] : grid) {
    Slice slice{key.first, key.second, {}, {}};
    for (const auto& [kp, curve] : rows) {
      Row row;
      for (const auto& [kv, ns] : curve) {
        row.kvDecode.push_back(kv);
        row.valuesNs.push_back(ns);
      }
      slice.kvPrefillAxis.push_back(kp);
      slice.rows.push_back(std::move(row));
    }
    slices_.push_back(std::move(slice));
    pcs.push_back(key.first);
    nds.push_back(key.second);
  }
  pcAxis_ = distinctSorted(pcs);
  ndAxis_ = distinctSorted(nds);
  // A missing (P, N) slice falls back to the existing slice minimising (P'-P)^2 + (N'-N)^2, first in sorted
  // order on ties (README §2.3); slices_ is sorted by (P', N'), so a strict '<' keeps the first.
  cornerSlice_.resize(pcAxis_.size() * ndAxis_.size());
  for (std::size_t i = 0; i < pcAxis_.size(); ++i) {
    for (std::size_t j = 0; j < ndAxis_.size(); ++j) {
      std::size_t best = 0;
      double bestD = -1.0;
      for (std::size_t s = 0; s < slices_.size(); ++s) {
        const double dp = slices_[s].prefillChunk - pcAxis_[i];
        const double dn = slices_[s].nDecode - ndAxis_[j];
        const double d = dp * dp + dn * dn;
        if (bestD < 0.0 || d < bestD) {
          bestD = d;
          best = s;
        }
      }
      cornerSlice_[i * ndAxis_.size() + j] = best;
    }
  }
}

// Extrapolation is only possible along an axis with at least two samples; a single-sample axis (the kv_prefill
// axis of a pure-decode slice, say) is structural, not a lookup outside the table.
static bool outsideGrid(const std::vector<double>& axis, double q) { return axis.size() > 1 && outsideAxis(axis, q); }

double AttentionTable::rowValue(const Row& row, double kv, bool& outside) const {
  if (outsideGrid(row.kvDecode, kv)) outside = true;
  const Bracket b = bracketAxis(row.kvDecode, kv);
  if (b.t == 0.0) return row.valuesNs[b.lo];  // exact: v + 0 * (w - v) == v
  return row.valuesNs[b.lo] + b.t * (row.valuesNs[b.hi] - row.valuesNs[b.lo]);
}

AttentionTable::Memo::Corner AttentionTable::corner(std::size_t pcIndex, std::size_t ndIndex, double kp,
                                                    bool& outside) const {
  const std::size_t sliceIndex = cornerSlice_[pcIndex * ndAxis_.size() + ndIndex];
  const Slice& slice = slices_[sliceIndex];
  if (outsideGrid(slice.kvPrefillAxis, kp)) outside = true;
  const Bracket b = bracketAxis(slice.kvPrefillAxis, kp);
  return {sliceIndex, b.lo, b.hi, b.t};
}

void AttentionTable::locate(double pc, double kp, double nd, Memo& memo) const {
  memo.pc = pc;
  memo.kp = kp;
  memo.nd = nd;
  memo.outside = outsideGrid(pcAxis_, pc) || outsideGrid(ndAxis_, nd);
  const Bracket bp = bracketAxis(pcAxis_, pc);
  const Bracket bn = bracketAxis(ndAxis_, nd);
  memo.tPc = bp.t;
  memo.tNd = bn.t;
  // Corners with weight 0 are skipped: x + 0 * (y - x) == x exactly, so the result is unchanged.
  memo.corners[0] = corner(bp.lo, bn.lo, kp, memo.outside);
  if (bn.t != 0.0) memo.corners[1] = corner(bp.lo, bn.hi, kp, memo.outside);
  if (bp.t == 0.0) return;
  memo.corners[2] = corner(bp.hi, bn.lo, kp, memo.outside);
  if (bn.t != 0.0) memo.corners[3] = corner(bp.hi, bn.hi, kp, memo.outside);
}

double AttentionTable::cornerValue(const Memo::Corner& c, double kv, bool& outside) const {
  const Slice& slice = slices_[c.slice];
  const double lo = rowValue(slice.rows[c.rowLo], kv, outside);
  if (c.t == 0.0) return lo;
  const double hi = rowValue(slice.rows[c.rowHi], kv, outside);
  return lo + c.t * (hi - lo);
}

double AttentionTable::blend(double pc, double kp, double nd, double kv, bool& outside, Memo& memo) const {
  if (!(memo.pc == pc && memo.kp == kp && memo.nd == nd)) locate(pc, kp, nd, memo);
  outside = memo.outside;
  const double c00 = cornerValue(memo.corners[0], kv, outside);
  const double v0 = memo.tNd == 0.0 ? c00 : c00 + memo.tNd * (cornerValue(memo.corners[1], kv, outside) - c00);
  if (memo.tPc == 0.0) return v0;
  const double c10 = cornerValue(memo.corners[2], kv, outside);
  const double v1 = memo.tNd == 0.0 ? c10 : c10 + memo.tNd * (cornerValue(memo.corners[3], kv, outside) - c10);
  return v0 + memo.tPc * (v1 - v0);
}

double AttentionTable::blend(double pc, double kp, double nd, double kv, bool& outside) const {
  Memo memo;
  return blend(pc, kp, nd, kv, outside, memo);
}

int64_t AttentionTable::lookupNs(double pc, double kp, double nd, double kv, bool& outside, Memo& memo) const {
  return truncateToNs(blend(pc, kp, nd, kv, outside, memo));
}

int64_t AttentionTable::lookupNs(double pc, double kp, double nd, double kv, bool& outside) const {
  return truncateToNs(blend(pc, kp, nd, kv, outside));
}

}  // namespace servesim
