// Weights on cpu/cxl memory (reference README §2.4): loads queue per memory in layer order, latency + floor(bytes/bw)
// each, and a layer computes after its load and its predecessor. Hand-computed on a 1-block walk.
#include <array>
#include <vector>

#include "test_harness.h"
#include "weight_loads.h"

using namespace servesim;

namespace {
// One block; every slot computes in 1000 ns; qkv_proj 9,000 B and down_proj 4,500 B have weights, the rest none.
std::array<double, kSlotCount> bytes() {
  std::array<double, kSlotCount> b{};
  b[kQkvProj] = 9000;
  b[kDownProj] = 4500;
  return b;
}
std::array<double, kSlotCount> times() {
  std::array<double, kSlotCount> t{};
  t.fill(1000);
  return t;
}
}  // namespace

TEST_CASE(weight_loads_queue_on_one_memory_and_gate_their_layers) {
  // Device 0 (host): 3 bytes/ns, 10 ns per load; both loads on it, after the 100-ns input load.
  std::vector<int32_t> dev(kSlotCount, -1);
  dev[kQkvProj] = 0;
  dev[kDownProj] = 0;
  const auto b = bytes();
  WeightPlacement p({{3.0, 10.0}}, 0, 1, dev.data(), b.data());
  EXPECT_TRUE(p.active());
  WeightPlacement::Step step;
  step.inputLoadNs = 100;
  step.storeNs = 7;
  const auto t = times();
  // Queue: input 100; qkv_proj 10 + 3000 -> 3110; down_proj 10 + 1500 -> 4620.
  // Walk: embedding 100..1100, layernorm ..2100, qkv_proj waits to 3110 ..4110, qk_norm 5110, rotary 6110,
  // attention 7110, o_proj 8110, layernorm 9110, gate_up 10110, act_fn 11110, down_proj (loaded) 12110,
  // final_layernorm 13110, lm_head 14110, sampler 15110, store 15117.
  EXPECT_EQ(p.iterationNs(t.data(), step), 15117);
  // Reused scratch: the same call gives the same answer.
  EXPECT_EQ(p.iterationNs(t.data(), step), 15117);
}

TEST_CASE(weight_loads_on_two_memories_run_in_parallel) {
  std::vector<int32_t> dev(kSlotCount, -1);
  dev[kQkvProj] = 0;
  dev[kDownProj] = 1;
  const auto b = bytes();
  // Slow memories: 1 byte/ns, 0 ns latency. qkv_proj ready at 9,000, down_proj at 4,500 (its own queue).
  WeightPlacement p({{1.0, 0.0}, {1.0, 0.0}}, -1, 1, dev.data(), b.data());
  WeightPlacement::Step step;
  step.allReduceNs = 50;  // after o_proj and after down_proj
  const auto t = times();
  // embedding 0..1000, layernorm 2000, qkv_proj 9000..10000, 4 more layers to 14000 (o_proj), +50, layernorm 15050,
  // gate_up 16050, act_fn 17050, down_proj 18050, +50 = 18100, head 3 x 1000 = 21100.
  EXPECT_EQ(p.iterationNs(t.data(), step), 21100);
}
