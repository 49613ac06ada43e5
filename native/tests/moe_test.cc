// MoE: moe.csv lookup, BALANCED routing and the expert-parallel collectives around the block (reference README §2.6).
#include <cmath>
#include <vector>

#include "kernel.h"
#include "moe.h"
#include "test_harness.h"

using namespace servesim;

namespace {
// Rows at activated experts 1 and 8, tokens 1..64; value = 1000 + 10 * tokens + 100 * activated (linear).
MoeTable linearMoe() {
  std::vector<double> tokens, activated, ns;
  for (double a : {1.0, 8.0})
    for (double t : {1.0, 16.0, 64.0}) {
      tokens.push_back(t);
      activated.push_back(a);
      ns.push_back(1000 + 10 * t + 100 * a);
    }
  return MoeTable(tokens.data(), activated.data(), ns.data(), ns.size());
}
}  // namespace

TEST_CASE(moe_lookup_is_exact_on_grid_and_linear_between) {
  const MoeTable t = linearMoe();
  bool outside = true;
  EXPECT_EQ(t.lookupNs(16, 8, outside), 1000 + 160 + 800);
  EXPECT_TRUE(!outside);
  EXPECT_EQ(t.lookupNs(40, 1, outside), 1000 + 400 + 100);  // within a row
  EXPECT_EQ(t.lookupNs(40, 4.5, outside), 1000 + 400 + 450);  // between rows
  EXPECT_EQ(t.lookupNs(128, 8, outside), 1000 + 1280 + 800);  // extrapolated above
  EXPECT_TRUE(outside);
}

TEST_CASE(moe_balanced_routing_closed_form_by_hand) {
  // T = 100, k = 8, ep = 4: 100 x (1 - 0.75^8) = 89.99 -> 90 tokens; min(round(200), 128 // 4 = 32) = 32 experts.
  MoeRouting r = balancedRouting(100, 128, 8, 4);
  EXPECT_EQ(r.tokensPerRank, 90);
  EXPECT_EQ(r.activatedPerRank, 32);
  // T = 3, k = 2, ep = 4: 3 x 0.4375 = 1.31 -> 1; round(1.5) = 2 (half to even).
  r = balancedRouting(3, 128, 2, 4);
  EXPECT_EQ(r.tokensPerRank, 1);
  EXPECT_EQ(r.activatedPerRank, 2);
  // ep = 1: every token reaches the only rank.
  r = balancedRouting(37, 8, 2, 1);
  EXPECT_EQ(r.tokensPerRank, 37);
  EXPECT_EQ(r.activatedPerRank, 8);
}

TEST_CASE(moe_block_uses_the_table_and_one_all_reduce_plus_dispatch_and_combine) {
  KernelConfig cfg;
  cfg.model.hiddenSize = 2048; cfg.model.numLayers = 4; cfg.model.numHeads = 16; cfg.model.numKvHeads = 4;
  cfg.model.headDim = 128; cfg.model.vocabSize = 1000; cfg.model.numExperts = 16; cfg.model.expertsPerToken = 2;
  cfg.model.expertIntermediateSize = 768;
  cfg.device.peakFlopsPerNs = 100000;
  cfg.device.memBytesPerNs = 1000;
  cfg.tp = 2;
  cfg.ep = 2;
  cfg.hasNetwork = true;
  cfg.network = networkFromConfig(16, 1000, 1000);
  Kernel k(cfg);
  EXPECT_TRUE(k.source(kGateUpProj) == SlotSource::kAbsent);
  k.setMoe(linearMoe());
  EXPECT_TRUE(k.source(kMoe) == SlotSource::kTable);
  const std::vector<int32_t> add{32}, before{0};
  double counters[kCounterCount], breakdown[kBreakdownSize];
  k.iterate(add.data(), before.data(), 1, counters, breakdown);
  // 32 tokens, k = 2, ep = 2: 32 x (1 - 0.5^2) = 24 tokens, min(32, 8) = 8 experts -> 1000 + 240 + 800.
  EXPECT_EQ(breakdown[kMoe], 2040.0);
  const double hidden = 32.0 * 2048 * 2;
  const double dispatch = 16.0 * (2048 + 16) * 2;
  const int64_t ar = std::llround(allReduceNs(hidden, 2, cfg.network));
  const int64_t moeComm = std::llround(allGatherNs(dispatch, 2, cfg.network)) + std::llround(reduceScatterNs(hidden, 2, cfg.network));
  EXPECT_EQ(breakdown[kMoeCommNs], static_cast<double>(moeComm));
  EXPECT_EQ(counters[kCommNs], static_cast<double>(4 * (ar + moeComm)));
}

TEST_CASE(moe_skewed_routing_the_busiest_rank_gates) {
  KernelConfig cfg;
  cfg.model.hiddenSize = 2048; cfg.model.numLayers = 4; cfg.model.numHeads = 16; cfg.model.numKvHeads = 4;
  cfg.model.headDim = 128; cfg.model.vocabSize = 1000; cfg.model.numExperts = 16; cfg.model.expertsPerToken = 2;
  cfg.model.expertIntermediateSize = 768;
  cfg.device.peakFlopsPerNs = 100000;
  cfg.device.memBytesPerNs = 1000;
  cfg.ep = 2;
  const std::vector<int32_t> add{32}, before{0};
  double counters[kCounterCount], breakdown[kBreakdownSize];
  // Balanced: 24 tokens per rank (see above). Imbalance 1.25: round(24 x 1.25) = 30 tokens -> 1000 + 300 + 800.
  cfg.moeImbalance = 1.25;
  Kernel skewed(cfg);
  skewed.setMoe(linearMoe());
  skewed.iterate(add.data(), before.data(), 1, counters, breakdown);
  EXPECT_EQ(breakdown[kMoe], 2100.0);
  // Imbalance 2: 48 tokens would exceed the batch; capped at all 32 -> 1000 + 320 + 800.
  cfg.moeImbalance = 2.0;
  Kernel capped(cfg);
  capped.setMoe(linearMoe());
  capped.iterate(add.data(), before.data(), 1, counters, breakdown);
  EXPECT_EQ(breakdown[kMoe], 2120.0);
}

TEST_CASE(moe_roofline_expert_work_scales_with_the_imbalance) {
  ModelShape m;
  m.hiddenSize = 1024; m.numExperts = 8; m.expertsPerToken = 2; m.expertIntermediateSize = 512;
  BatchShape b;
  b.totalLen = 64;
  b.numSeqs = 1;
  const Precision p;
  const OpCost balanced = opCost(kMoe, b, m, p, 1, 4);
  const OpCost skewed = opCost(kMoe, b, m, p, 1, 4, 1.5);
  const OpCost all = opCost(kMoe, b, m, p, 1, 4, 100.0);  // capped at every pair on one rank (= ep)
  // Expert FLOPs per rank: 2 x pairs x 3 x hidden x ffn with pairs = 64 x 2 / 4 = 32 balanced; router 2 x 64 x 1024 x 8.
  const double router = 2.0 * 64 * 1024 * 8;
  const double expert = 2.0 * 32 * 3 * 1024 * 512;
  EXPECT_EQ(balanced.flops, router + expert);
  EXPECT_EQ(skewed.flops, router + 1.5 * expert);
  EXPECT_EQ(all.flops, router + 4.0 * expert);
}
