// 1-D lookups, axis brackets and the µs -> ns conversion (reference README §1.1, §2.3).
#include "lookup.h"
#include "test_harness.h"

using namespace servesim;

namespace {
Table1D table(std::vector<double> keys, std::vector<double> values) {
  return Table1D(keys.data(), values.data(), keys.size());
}
}  // namespace

TEST_CASE(lookup_is_exact_on_every_grid_point) {
  const Table1D t = table({1, 2, 4, 8, 16}, {11, 23, 41, 87, 160});
  bool outside = true;
  EXPECT_EQ(t.lookupNs(1, outside), 11);
  EXPECT_EQ(t.lookupNs(4, outside), 41);
  EXPECT_EQ(t.lookupNs(16, outside), 160);
  EXPECT_TRUE(!outside);
}

TEST_CASE(lookup_interpolates_linearly_between_neighbours_and_truncates) {
  const Table1D t = table({1, 3, 7}, {10, 17, 33});
  bool outside = true;
  EXPECT_EQ(t.lookupNs(2, outside), 13);  // 10 + 7 * 1/2 = 13.5 -> int() = 13
  EXPECT_EQ(t.lookupNs(5, outside), 25);  // 17 + 16 * 2/4 = 25
  EXPECT_EQ(t.lookupNs(6, outside), 29);  // 17 + 16 * 3/4 = 29
  EXPECT_TRUE(!outside);
}

TEST_CASE(lookup_sorts_unsorted_input_and_keeps_the_first_duplicate) {
  const Table1D t = table({4, 1, 2, 2}, {40, 10, 20, 99});
  bool outside = false;
  EXPECT_EQ(t.size(), static_cast<std::size_t>(3));
  EXPECT_EQ(t.lookupNs(2, outside), 20);
  EXPECT_EQ(t.lookupNs(3, outside), 30);
}

TEST_CASE(lookup_clamps_below_the_first_key_and_flags_it) {
  const Table1D t = table({16, 32}, {100, 200});
  bool outside = false;
  EXPECT_EQ(t.lookupNs(5, outside), 100);
  EXPECT_TRUE(outside);
  // Queries are max(x, 1): 0 is looked up as 1.
  const Table1D u = table({1, 2}, {7, 9});
  EXPECT_EQ(u.lookupNs(0, outside), 7);
  EXPECT_TRUE(!outside);
}

TEST_CASE(lookup_extrapolates_above_from_the_last_two_points) {
  const Table1D t = table({1, 2, 4}, {10, 20, 50});
  bool outside = false;
  EXPECT_EQ(t.lookupNs(6, outside), 80);  // 50 + 30 * (6 - 4) / 2
  EXPECT_TRUE(outside);
}

TEST_CASE(lookup_never_goes_below_one_ns) {
  const Table1D t = table({1, 2}, {100, 10});  // falling: extrapolation turns negative
  bool outside = false;
  EXPECT_EQ(t.lookupNs(50, outside), 1);
  EXPECT_EQ(truncateToNs(0.4), 1);
  EXPECT_EQ(truncateToNs(-7.9), 1);
  EXPECT_EQ(truncateToNs(12.99), 12);
}

TEST_CASE(micros_become_rounded_integer_ns_at_least_one) {
  EXPECT_EQ(microsToNs(2.67733), 2677);
  EXPECT_EQ(microsToNs(714.006), 714006);
  EXPECT_EQ(microsToNs(1.0004), 1000);
  EXPECT_EQ(microsToNs(0.0001), 1);
}

TEST_CASE(bracket_follows_readme_rules) {
  const std::vector<double> a{0, 16, 32, 64};
  Bracket b = bracketAxis(a, 0);
  EXPECT_TRUE(b.lo == 0 && b.hi == 0 && b.t == 0.0);
  b = bracketAxis(a, 24);
  EXPECT_TRUE(b.lo == 1 && b.hi == 2);
  EXPECT_NEAR(b.t, 0.5, 0);
  b = bracketAxis(a, 32);  // exact interior hit: lower neighbour, t = 0
  EXPECT_TRUE(b.lo == 2 && b.t == 0.0);
  b = bracketAxis(a, 96);  // above: last two, t > 1
  EXPECT_TRUE(b.lo == 2 && b.hi == 3);
  EXPECT_NEAR(b.t, 2.0, 0);
  b = bracketAxis(std::vector<double>{5}, 9);  // one value
  EXPECT_TRUE(b.lo == 0 && b.hi == 0 && b.t == 0.0);
}

TEST_CASE(lookup_on_uniform_integer_keys_matches_bisection) {
  // Keys 1..50 step 1 take the O(1) path; the same points with one key nudged take the bisection path.
  std::vector<double> keys, values, nudged;
  for (int k = 1; k <= 50; ++k) {
    keys.push_back(k);
    values.push_back(1000 + 37 * k + (k % 7) * 11);
    nudged.push_back(k == 25 ? 25.0000001 : k);
  }
  const Table1D fast = table(keys, values), slow = table(nudged, values);
  bool o1 = false, o2 = false;
  for (double q : {0.0, 1.0, 1.5, 7.0, 7.25, 24.0, 49.99, 50.0, 61.0, 1000.5}) {
    EXPECT_EQ(fast.lookupNs(q, o1), slow.lookupNs(q, o2));
    EXPECT_EQ(o1, o2);
  }
}
