#include "weight_loads.h"

#include <algorithm>
#include <cmath>

namespace servesim {

namespace {
bool isBlockSlot(int s) { return s != kEmbedding && s != kFinalLayernorm && s != kLmHead && s != kSampler; }
}  // namespace

WeightPlacement::WeightPlacement(std::vector<MemoryDevice> devices, int hostDevice, int numBlocks,
                                 const int32_t* deviceOf, const double* slotBytes)
    : numBlocks_(numBlocks), hostDevice_(hostDevice) {
  const int n = std::max(numBlocks, 1) * kSlotCount;
  deviceOf_.assign(deviceOf, deviceOf + n);
  loadNs_.assign(n, 0);
  for (int b = 0; b < std::max(numBlocks, 1); ++b) {
    for (int s = 0; s < kSlotCount; ++s) {
      const int i = b * kSlotCount + s;
      const int d = deviceOf_[i];
      if (d < 0 || d >= static_cast<int>(devices.size()) || slotBytes[s] <= 0) {
        deviceOf_[i] = -1;
        continue;
      }
      if (!isBlockSlot(s) && b > 0) continue;  // one occurrence per iteration: row 0 holds it
      const MemoryDevice& m = devices[d];
      // README §2.4: latency + floor(bytes / bw) per load (mem_bw GB/s = bytes/ns).
      loadNs_[i] = static_cast<int64_t>(m.latencyNs) + static_cast<int64_t>(std::floor(slotBytes[s] / m.bytesPerNs));
      active_ = true;
    }
  }
  queueEnd_.assign(devices.size(), 0);
}

// Layer `slot` of `block`, whose predecessor finished at t: wait for its weights if they are loaded (the load queues
// behind the earlier loads on the same memory), then compute. Returns the start of its compute.
int64_t WeightPlacement::layer(int block, int slot, int64_t t) {
  const int i = (isBlockSlot(slot) ? block : 0) * kSlotCount + slot;
  const int d = deviceOf_[i];
  if (d < 0 || loadNs_[i] == 0) return t;
  queueEnd_[d] += loadNs_[i];
  return std::max(t, queueEnd_[d]);
}

int64_t WeightPlacement::iterationNs(const double* slotNs, const Step& step) {
  std::fill(queueEnd_.begin(), queueEnd_.end(), 0);
  // The embedding's input is the first load on host memory; the embedding waits for it.
  if (hostDevice_ >= 0) queueEnd_[hostDevice_] = step.inputLoadNs;
  int64_t t = step.inputLoadNs;
  auto run = [&](int block, int slot) { t = layer(block, slot, t) + static_cast<int64_t>(slotNs[slot]); };
  run(0, kEmbedding);
  // Layer walk of README §2.2 / the catalogs' `sequence` (§1.8): pre_attn, post_attn, mlp; TP all-reduce after
  // o_proj and after down_proj, MoE dispatch/combine around moe.
  for (int b = 0; b < numBlocks_; ++b) {
    for (int s : {kLayernorm, kQkvProj, kQkNorm, kRotaryEmb, kAttention, kOProj}) run(b, s);
    t += step.allReduceNs;
    run(b, kLayernorm);
    if (step.moe) {
      run(b, kMoe);
      t += step.moeCommNs;
    } else {
      for (int s : {kGateUpProj, kActFn, kDownProj}) run(b, s);
      t += step.allReduceNs;
    }
  }
  for (int s : {kFinalLayernorm, kLmHead, kSampler}) run(0, s);
  return t + step.storeNs;
}

}  // namespace servesim
