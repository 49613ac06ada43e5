#pragma once
// Weights placed off the NPU (LLMServingSim 2.0 `placement`: `cpu` or `cxl:<id>`, reference README §2.4): every
// layer whose weights live on such a memory loads its per-rank weight bytes in each iteration. All loads are issued
// at the start of the iteration and queue on their memory in layer order, each costing latency + floor(bytes / bw);
// a layer's compute starts when both its load and the previous layer are done.
#include <array>
#include <cstdint>
#include <vector>

#include "roofline.h"

namespace servesim {

struct MemoryDevice {
  double bytesPerNs = 0;  // mem_bw, decimal GB/s = bytes/ns
  double latencyNs = 0;   // mem_latency
};

class WeightPlacement {
 public:
  WeightPlacement() = default;
  // devices: the memories weights may live on. hostDevice: index of the node's host memory (its queue also carries
  // the embedding-input load, issued first), -1 if none. deviceOf: numBlocks x kSlotCount entries, device index or
  // -1 for NPU memory; slots outside the blocks (embedding, final_layernorm, lm_head, sampler) read row 0.
  // slotBytes: per-rank weight bytes of one occurrence of each slot (0 = the layer has no weights, so no load).
  WeightPlacement(std::vector<MemoryDevice> devices, int hostDevice, int numBlocks, const int32_t* deviceOf,
                  const double* slotBytes);

  bool active() const { return active_; }

  struct Step {
    int64_t allReduceNs = 0;  // one TP all-reduce (after o_proj, and after down_proj in dense blocks)
    int64_t moeCommNs = 0;    // MoE dispatch + combine around the moe layer
    bool moe = false;
    int64_t inputLoadNs = 0;  // embedding input from host memory
    int64_t storeNs = 0;      // sampler output to host memory
  };
  // End time of one iteration (ns from its start) given each slot's compute time (breakdown[slot], ns).
  int64_t iterationNs(const double* slotNs, const Step& step);

 private:
  int64_t layer(int block, int slot, int64_t t);

  bool active_ = false;
  int numBlocks_ = 0;
  int hostDevice_ = -1;
  std::vector<int32_t> deviceOf_;   // [block * kSlotCount + slot]
  std::vector<int64_t> loadNs_;     // same index: latency + floor(bytes / bw), 0 = no load
  std::vector<int64_t> queueEnd_;   // per device, scratch reused every iteration
};

}  // namespace servesim
