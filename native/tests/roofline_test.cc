// Roofline op costs checked against hand computation, collectives against the alpha-beta formula, and the
// iteration walk against its parts (reference README §2.1-§2.4, §3.6).
#include <cmath>

#include "batch_shape.h"
#include "collectives.h"
#include "kernel.h"
#include "roofline.h"
#include "test_harness.h"

using namespace servesim;

namespace {
ModelShape llama8b() {
  ModelShape m;
  m.hiddenSize = 4096; m.numLayers = 32; m.numHeads = 32; m.numKvHeads = 8; m.headDim = 128;
  m.intermediateSize = 14336; m.vocabSize = 128256;
  return m;
}
RooflineDevice rtx4090() {
  RooflineDevice d;
  d.peakFlopsPerNs = 165200;  // 165.2 TFLOPS
  d.memBytesPerNs = 1008;     // 1008 GB/s
  d.computeEfficiency = 0.7;
  d.memoryEfficiency = 0.85;
  d.launchOverheadNs = 2000;
  return d;
}
BatchShape batchOf(std::vector<int32_t> add, std::vector<int32_t> before) {
  return describeBatch(add.data(), before.data(), static_cast<int>(add.size()));
}
}  // namespace

TEST_CASE(batch_descriptors_follow_readme_2_1) {
  const BatchShape b = batchOf({1, 1, 1, 50, 20}, {100, 300, 200, 0, 30});
  EXPECT_EQ(b.totalLen, 73);
  EXPECT_EQ(b.prefillChunk, 70);
  EXPECT_EQ(b.kvPrefill, 30);
  EXPECT_EQ(b.nDecode, 3);
  EXPECT_EQ(b.kvDecodeMean, 200);
  EXPECT_EQ(b.kvDecodeMax, 300);
  EXPECT_EQ(b.kvDecodeMin, 100);
  EXPECT_EQ(b.numSeqs, 5);
  EXPECT_EQ(batchOf({1, 1}, {10, 11}).kvDecodeMean, 10);  // floor(21 / 2)
}

TEST_CASE(roofline_decode_gemm_is_memory_bound_by_hand) {
  // qkv_proj, one decode token: N = 4096 + 2*1024 = 6144. Bytes = 4096*6144*2 + 4096*2 + 6144*2 = 50,352,128;
  // 50,352,128 / (1008 * 0.85) = 58,767.66 ns, + 2000 launch = 60,767.66 -> 60,768 ns.
  const OpCost c = opCost(kQkvProj, batchOf({1}, {100}), llama8b(), Precision{}, 1);
  EXPECT_NEAR(c.flops, 50331648.0, 0);
  EXPECT_NEAR(c.bytes, 50352128.0, 0);
  EXPECT_EQ(rooflineNs(c, rtx4090()), 60768);
}

TEST_CASE(roofline_prefill_gemm_is_compute_bound_by_hand) {
  // qkv_proj, 2048 tokens: 2*2048*4096*6144 = 103,079,215,104 FLOPs / (165,200 * 0.7) = 891,380.28 ns, + 2000.
  const OpCost c = opCost(kQkvProj, batchOf({2048}, {0}), llama8b(), Precision{}, 1);
  EXPECT_NEAR(c.flops, 103079215104.0, 0);
  EXPECT_EQ(rooflineNs(c, rtx4090()), 893380);
}

TEST_CASE(roofline_decode_attention_by_hand) {
  // One decode after 1023 tokens: 1024 query-key pairs; FLOPs = 4 * 32 heads * 128 * 1024 = 16,777,216.
  // Bytes = KV read 1024 * 2 * 1024 * 2 + Q,O 2 * 4096 * 2 + new K,V 2 * 1024 * 2 = 4,214,784 -> 4,919.2 + 2000.
  const OpCost c = opCost(kAttention, batchOf({1}, {1023}), llama8b(), Precision{}, 1);
  EXPECT_NEAR(c.flops, 16777216.0, 0);
  EXPECT_NEAR(c.bytes, 4214784.0, 0);
  EXPECT_EQ(rooflineNs(c, rtx4090()), 6919);
}

TEST_CASE(roofline_int4_weights_move_a_quarter_of_bf16_weight_bytes) {
  Precision int4;
  int4.weightBytes = 0.5;
  const BatchShape b = batchOf({1}, {0});
  const OpCost bf = opCost(kDownProj, b, llama8b(), Precision{}, 1);
  const OpCost q = opCost(kDownProj, b, llama8b(), int4, 1);
  const double weights = 14336.0 * 4096;
  EXPECT_NEAR(bf.bytes - q.bytes, weights * 1.5, 0);
  EXPECT_NEAR(bf.flops, q.flops, 0);
}

TEST_CASE(roofline_tp_splits_gemm_work_evenly) {
  const BatchShape b = batchOf({512}, {0});
  EXPECT_NEAR(opCost(kGateUpProj, b, llama8b(), Precision{}, 2).flops * 2,
              opCost(kGateUpProj, b, llama8b(), Precision{}, 1).flops, 1e-3);
}

TEST_CASE(all_reduce_equals_the_alpha_beta_formula) {
  const Network net = networkFromConfig(16, 20000, 1597);
  EXPECT_NEAR(net.linkBytesPerNs, 16 * 1073741824.0 / 1e9, 1e-12);
  const double S = 131072;
  // By hand: chunk 65,536 B; 65,536 / 17.18 B/ns = 3,814.7 -> 3,815; 65,536 / 1597 = 41.04 -> 42.
  // 2 x (20,000 + 3,815) + 3 x (42 + 5) + 10 = 47,781 ns: the README §3.6 worked example, exactly.
  EXPECT_NEAR(allReduceNs(S, 2, net), 47781, 0);
  // p = 4, S = 8192, link 100 GB/s, no latency: 6 x (floor(19.07) + 1) + 9 x (floor(1.28) + 1 + 5) + 10 = 193
  // (derived/allreduce_times.csv).
  EXPECT_NEAR(allReduceNs(8192, 4, networkFromConfig(100, 0, 1597)), 193, 0);
  EXPECT_NEAR(allReduceNs(S, 1, net), 0, 0);
  EXPECT_NEAR(pointToPointNs(S, net), 20000 + S / net.linkBytesPerNs, 1e-9);
  EXPECT_NEAR(allToAllNs(S, 4, net), 3 * (20000 + (S / 4) / net.linkBytesPerNs), 1e-9);
}

TEST_CASE(roofline_iteration_is_the_sum_of_its_layers_plus_comm_and_memory) {
  KernelConfig cfg;
  cfg.model = llama8b();
  cfg.device = rtx4090();
  cfg.tp = 2;
  cfg.hasNetwork = true;
  cfg.network = networkFromConfig(16, 1000, 1008);
  cfg.hostMemory = {true, 50, 7};
  Kernel k(cfg);
  const std::vector<int32_t> add{1, 1, 300}, before{500, 700, 0};
  double counters[kCounterCount], breakdown[kBreakdownSize];
  const int64_t ns = k.iterate(add.data(), before.data(), 3, counters, breakdown);
  const BatchShape b = describeBatch(add.data(), before.data(), 3);
  auto r = [&](Slot s) { return rooflineNs(opCost(s, b, cfg.model, cfg.precision, 2), cfg.device); };
  const int64_t block = 2 * r(kLayernorm) + r(kQkvProj) + r(kRotaryEmb) + r(kAttention) + r(kOProj) + r(kGateUpProj) +
                        r(kActFn) + r(kDownProj);
  const int64_t compute = r(kEmbedding) + 32 * block + r(kFinalLayernorm) + r(kLmHead) + r(kSampler);
  const int64_t ar = std::llround(allReduceNs(302.0 * 4096 * 2, 2, cfg.network));
  const int64_t mem = 7 + static_cast<int64_t>(std::floor(302.0 * 2 * 2 / 50));
  EXPECT_EQ(breakdown[kBlockNs], static_cast<double>(block));
  EXPECT_EQ(ns, compute + 64 * ar + 2 * mem);
  EXPECT_EQ(counters[kLatencyNs], static_cast<double>(ns));
  EXPECT_EQ(counters[kRoofline], 12.0);  // every Llama layer slot, attention included
  EXPECT_EQ(counters[kLookups], 0.0);
  EXPECT_TRUE(counters[kFlops] > 0 && counters[kHbmBytes] > 0);
  EXPECT_EQ(k.iterate(add.data(), before.data(), 0, counters, breakdown), 0);  // empty batch
}
