// The event inside a TP all-reduce (src/cost/layerEvents.ts): its first ring step, by hand on the RTX PRO 6000
// example configs (link_bw 16 read as GiB/s, link_latency 20000 ns, npu_mem.mem_bw 1597), and the kernel reporting it.
#include "collectives.h"
#include "kernel.h"
#include "llama_rtxpro6000_config.h"
#include "test_harness.h"

using namespace servesim;

TEST_CASE(allreduce_first_step_by_hand) {
  const Network net = networkFromConfig(16, 20000, 1597);
  // One decode token: S = 8192 B, chunk 4096 B. Link: 20000 + floor(4096 / 17.179869184 = 238.4) + 1 = 20239;
  // memory pass: floor(4096 / 1597 = 2.56) + 1 + 5 = 8; + 1 -> 20248 (of the all-reduce's 2 x 20239 + 3 x 8 + 10 = 40512).
  EXPECT_EQ(allReduceFirstStepNs(8192, 2, net), 20248.0);
  EXPECT_EQ(allReduceNs(8192, 2, net), 40512.0);
  EXPECT_EQ(allReduceFirstStepNs(8192, 4, net), 0.0);  // not known beyond two ranks
}

TEST_CASE(kernel_reports_the_allreduce_first_step_at_tp2_only) {
  KernelConfig cfg = llamaOnRtxPro6000();
  KernelConfig tp2 = cfg;
  tp2.tp = 2;
  Kernel one(cfg), two(tp2);
  const int32_t add[] = {1}, before[] = {100};
  double counters[kCounterCount], breakdown[kBreakdownSize];
  one.iterate(add, before, 1, counters, breakdown);
  EXPECT_EQ(breakdown[kAllReduceFirstStepNs], 0.0);
  two.iterate(add, before, 1, counters, breakdown);
  EXPECT_EQ(breakdown[kAllReduceNs], 40512.0);
  EXPECT_EQ(breakdown[kAllReduceFirstStepNs], 20248.0);
}

// README §2.7 / LLMServingSim's _pad_batch_to_max: a DP member padded from total_len 3 to 5 runs 2 dummy decodes, so
// its lm_head and sampler see its own sequences + 2, whatever the group's largest num_seqs.
TEST_CASE(dp_padding_adds_one_sequence_per_dummy_decode) {
  KernelConfig cfg = llamaOnRtxPro6000(false);
  cfg.device.launchOverheadNs = 0;  // lm_head's time then grows with every sequence
  Kernel k(cfg);
  double counters[kCounterCount], breakdown[kBreakdownSize];
  const int32_t prefill[] = {3}, zero[] = {0};
  k.iterate(prefill, zero, 1, counters, breakdown, 5, 5);  // padded: 1 prefill sequence + 2 dummies
  const double paddedLmHead = breakdown[kLmHead];
  const int32_t three[] = {3, 1, 1}, before[] = {0, 10, 10};
  k.iterate(three, before, 3, counters, breakdown);  // 5 tokens in 3 sequences
  EXPECT_EQ(paddedLmHead, breakdown[kLmHead]);
  const int32_t five[] = {1, 1, 1, 1, 1}, ctx[] = {10, 10, 10, 10, 10};
  k.iterate(five, ctx, 5, counters, breakdown);  // 5 sequences: more lm_head work
  EXPECT_TRUE(breakdown[kLmHead] > paddedLmHead);
}
