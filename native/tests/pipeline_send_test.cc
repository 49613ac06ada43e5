// The pipeline-stage send (reference README §2.5): latency + floor(bytes / B_link), checked by hand on the RTX PRO 6000
// example configs (link_bw 16 read as GiB/s, link_latency 20000 ns), and the kernel charging it once per hop.
#include <cmath>

#include "collectives.h"
#include "kernel.h"
#include "llama_rtxpro6000_config.h"
#include "test_harness.h"

using namespace servesim;

TEST_CASE(pipeline_send_floors_the_transfer_time) {
  const Network net = networkFromConfig(16, 20000, 1597);  // B_link = 16 x 2^30 / 10^9 = 17.179869184 bytes/ns
  // One decode token's hidden state, 4096 x 2 B = 8192 B: 476.837 ns -> 476.
  EXPECT_EQ(pipelineSendNs(8192, net), 20476);
  // A 10-token prefill, 81,920 B: 4768.37 ns -> 4768 (LLMServingSim's example_pp_run.csv request 0).
  EXPECT_EQ(pipelineSendNs(81920, net), 24768);
  // The P/D hand-off keeps rounding up (one more ns here).
  EXPECT_EQ(sendNs(8192, net), 20477);
}

TEST_CASE(pipeline_stages_pay_one_send_per_hop) {
  KernelConfig cfg = llamaOnRtxPro6000();
  KernelConfig piped = cfg;
  piped.pp = 4;
  Kernel flat(cfg), four(piped);
  const int32_t add[] = {10}, before[] = {0};
  double counters[kCounterCount], breakdown[kBreakdownSize];
  const int64_t flatNs = flat.iterate(add, before, 1, counters, breakdown);
  const int64_t pipedNs = four.iterate(add, before, 1, counters, breakdown);
  EXPECT_EQ(counters[kPpSendNs], 24768.0);
  EXPECT_EQ(pipedNs, flatNs + 3 * 24768);
}
