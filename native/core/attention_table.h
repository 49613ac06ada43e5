#pragma once
// The 4-D attention table T(prefill_chunk, kv_prefill, n_decode, kv_decode) and its lookup (README §1.5, §2.3).
// The table is not a tensor product: it is organised as (prefill_chunk, n_decode) slices, each holding rows per
// kv_prefill, each row a 1-D curve over kv_decode.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace servesim {

class AttentionTable {
 public:
  AttentionTable() = default;
  // Column arrays of attention.csv; valuesNs already converted with microsToNs.
  AttentionTable(const double* prefillChunk, const double* kvPrefill, const double* nDecode, const double* kvDecode,
                 const double* valuesNs, std::size_t count);
  bool empty() const { return slices_.empty(); }

  // What a lookup derives from (pc, kp, nd) alone: the corner slices, their kv_prefill rows and the blend weights.
  // Consecutive batches of a serving run share these (only kv_decode moves), so the caller keeps one Memo per
  // table and passes it to every lookup; a lookup through a Memo returns exactly what one without it would.
  struct Memo {
    double pc = kEmpty, kp = kEmpty, nd = kEmpty;  // key; NaN equals nothing, so a new Memo is empty
    bool outside = false;                          // pc, nd or kp outside their grids
    double tPc = 0, tNd = 0;                       // blend weights along prefill_chunk and n_decode
    struct Corner {
      std::size_t slice = 0, rowLo = 0, rowHi = 0;
      double t = 0;  // weight of rowHi along kv_prefill
    } corners[4];     // (pc lo, nd lo), (pc lo, nd hi), (pc hi, nd lo), (pc hi, nd hi); weight-0 ones unset
    static constexpr double kEmpty = std::numeric_limits<double>::quiet_NaN();
  };

  // Blended value before truncation (README §2.3 "4-D attention"); `outside` is set when any axis query lies
  // outside the grid of the slice/row it is looked up in (clamped below or extrapolated above).
  double blend(double pc, double kp, double nd, double kv, bool& outside) const;
  double blend(double pc, double kp, double nd, double kv, bool& outside, Memo& memo) const;
  // t_mean = max(1, int(blend)).
  int64_t lookupNs(double pc, double kp, double nd, double kv, bool& outside) const;
  int64_t lookupNs(double pc, double kp, double nd, double kv, bool& outside, Memo& memo) const;

 private:
  struct Row {
    std::vector<double> kvDecode;
    std::vector<double> valuesNs;
  };
  struct Slice {
    double prefillChunk;
    double nDecode;
    std::vector<double> kvPrefillAxis;
    std::vector<Row> rows;  // aligned with kvPrefillAxis
  };
  void locate(double pc, double kp, double nd, Memo& memo) const;  // fills memo for (pc, kp, nd)
  Memo::Corner corner(std::size_t pcIndex, std::size_t ndIndex, double kp, bool& outside) const;
  double cornerValue(const Memo::Corner& c, double kv, bool& outside) const;
  double rowValue(const Row& row, double kv, bool& outside) const;

  std::vector<double> pcAxis_;
  std::vector<double> ndAxis_;
  std::vector<Slice> slices_;
  // slice used for each (pcAxis_[i], ndAxis_[j]) corner: the exact slice, or the nearest existing one.
  std::vector<std::size_t> cornerSlice_;
};

}  // namespace servesim
