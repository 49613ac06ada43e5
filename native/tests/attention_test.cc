// The 4-D attention lookup and the skew correction (reference README §1.5, §1.6, §2.3).
#include <vector>

#include "attention_table.h"
#include "skew.h"
#include "test_harness.h"

using namespace servesim;

namespace {
struct Rows {
  std::vector<double> pc, kp, nd, kv, ns;
  void add(double a, double b, double c, double d, double v) {
    pc.push_back(a); kp.push_back(b); nd.push_back(c); kv.push_back(d); ns.push_back(v);
  }
  AttentionTable build() const { return AttentionTable(pc.data(), kp.data(), nd.data(), kv.data(), ns.data(), ns.size()); }
};

// A small table with the real table's shape: pure-decode slices (pc 0) carry kv_prefill 0 only; pure-prefill
// slices (nd 0) carry kv_decode 0 only; the mixed slice (pc 32, nd 2) is absent.
// Values are a known function: f = 1000 + 10*pc + 2*kp + 100*nd + kv*nd, linear on each axis.
double f(double pc, double kp, double nd, double kv) { return 1000 + 10 * pc + 2 * kp + 100 * nd + kv * nd; }
Rows shapedTable() {
  Rows r;
  for (double nd : {1.0, 2.0})
    for (double kv : {16.0, 32.0, 64.0}) r.add(0, 0, nd, kv, f(0, 0, nd, kv));
  for (double pc : {16.0, 32.0})
    for (double kp : {0.0, 16.0, 32.0}) r.add(pc, kp, 0, 0, f(pc, kp, 0, 0));
  for (double kp : {0.0, 16.0, 32.0})
    for (double kv : {16.0, 32.0, 64.0}) {
      r.add(16, kp, 1, kv, f(16, kp, 1, kv));
      r.add(16, kp, 2, kv, f(16, kp, 2, kv));
      r.add(32, kp, 1, kv, f(32, kp, 1, kv));
    }
  return r;
}
}  // namespace

TEST_CASE(attention_exact_on_grid_points) {
  const AttentionTable t = shapedTable().build();
  bool outside = true;
  EXPECT_EQ(t.lookupNs(16, 16, 2, 32, outside), static_cast<int64_t>(f(16, 16, 2, 32)));
  EXPECT_EQ(t.lookupNs(0, 0, 1, 64, outside), static_cast<int64_t>(f(0, 0, 1, 64)));
  EXPECT_EQ(t.lookupNs(32, 0, 0, 0, outside), static_cast<int64_t>(f(32, 0, 0, 0)));
  EXPECT_TRUE(!outside);
}

TEST_CASE(attention_blends_linearly_along_each_axis) {
  const AttentionTable t = shapedTable().build();
  bool outside = false;
  EXPECT_NEAR(t.blend(16, 0, 1, 48, outside), f(16, 0, 1, 48), 1e-9);  // kv_decode
  EXPECT_NEAR(t.blend(16, 24, 1, 16, outside), f(16, 24, 1, 16), 1e-9);  // kv_prefill
  EXPECT_NEAR(t.blend(24, 0, 1, 16, outside), f(24, 0, 1, 16), 1e-9);  // prefill_chunk
  EXPECT_NEAR(t.blend(0, 0, 1.5, 32, outside), f(0, 0, 1.5, 32), 1e-9);  // n_decode (f is linear in nd at fixed kv)
  EXPECT_TRUE(!outside);
}

TEST_CASE(attention_missing_slice_uses_the_nearest_existing_one) {
  const AttentionTable t = shapedTable().build();
  bool outside = false;
  // (32, 2) is absent; nearest by (dP^2 + dN^2) is (32, 1) at distance 1 (vs (16, 2) at 256).
  EXPECT_EQ(t.lookupNs(32, 0, 2, 16, outside), static_cast<int64_t>(f(32, 0, 1, 16)));
}

TEST_CASE(attention_clamps_below_and_extrapolates_above_and_flags_both) {
  const AttentionTable t = shapedTable().build();
  bool outside = false;
  EXPECT_EQ(t.lookupNs(0, 0, 1, 5, outside), static_cast<int64_t>(f(0, 0, 1, 16)));  // kv 5 uses the 16 row
  EXPECT_TRUE(outside);
  outside = false;
  EXPECT_NEAR(t.blend(0, 0, 1, 128, outside), f(0, 0, 1, 128), 1e-9);  // linear extrapolation is exact on linear f
  EXPECT_TRUE(outside);
}

TEST_CASE(skew_bins_are_right_inclusive) {
  const std::vector<double> n{0, 2, 4, 8, 16, 32, 64, 128, 256, 1e6};
  EXPECT_EQ(binLabel(n, 2), 0);   // n<=2
  EXPECT_EQ(binLabel(n, 3), 1);   // n<=4
  EXPECT_EQ(binLabel(n, 256), 7); // n<=256
  EXPECT_EQ(binLabel(n, 257), 8); // n>256
  EXPECT_EQ(binLabel(n, 2e6), -1);
  const std::vector<double> kp{-1, 0, 512, 1024};
  EXPECT_EQ(binLabel(kp, 0), 0);  // kp=0
  EXPECT_EQ(binLabel(kp, 1), 1);
}

TEST_CASE(skew_alpha_from_table_else_default_else_zero) {
  SkewBins bins{{0, 2, 4, 8}, {-0.01, 0.05, 0.15, 0.4, 0.7, 1.01}, {0, 1024, 4096}, {-1, 0, 512}};
  SkewFit fit(bins, 0.05, true);
  fit.addBucket(16, 1, 2, 0, 0, 0.3);  // pc=16|n<=4|sr<=40%|kvB<=1k|kp=0
  EXPECT_NEAR(fit.alpha(16, 3, 0.2, 900, 0), 0.3, 0);
  EXPECT_NEAR(fit.alpha(24, 3, 0.2, 900, 0), 0.05, 0);  // pc off the profiled grid: default
  EXPECT_NEAR(fit.alpha(16, 3, 0.2, 2000, 0), 0.05, 0);
  EXPECT_NEAR(SkewFit(bins, 0.07, false).alpha(16, 3, 0.2, 900, 0), 0.07, 0);  // no per-tp entry
  EXPECT_NEAR(SkewFit().alpha(16, 3, 0.2, 900, 0), 0.0, 0);                    // disabled
}

TEST_CASE(skew_correction_rounds_half_to_even_and_ignores_t_max_below_t_mean) {
  EXPECT_EQ(skewCorrectedNs(100, 200, 0.25), 125);
  EXPECT_EQ(skewCorrectedNs(100, 101, 0.5), 100);  // 100.5 -> 100 (Python round)
  EXPECT_EQ(skewCorrectedNs(101, 102, 0.5), 102);  // 101.5 -> 102
  EXPECT_EQ(skewCorrectedNs(100, 90, 0.5), 100);
  EXPECT_EQ(skewCorrectedNs(100, 200, 0.0), 100);
  EXPECT_EQ(skewCorrectedNs(100, 200, -0.2), 80);  // alpha is not clamped
}
