#pragma once
// Roofline cost of each op of a transformer iteration: time = max(FLOPs / (peak x eff), bytes / (bw x eff))
// + launch overhead (Williams, Waterman & Patterson 2009, "Roofline"; the LLM op breakdown follows
// LLM-Viewer, Yuan et al. 2024). The same op model counts FLOPs and HBM bytes when profiled tables give the time.
#include <cstdint>

#include "batch_shape.h"

namespace servesim {

// The layer slots of one iteration, in LLMServingSim's Llama/Qwen3 catalog order (README §1.8).
enum Slot : int {
  kEmbedding = 0,
  kLayernorm,      // counted twice per block (pre-attention and post-attention RMSNorm)
  kQkvProj,
  kQkNorm,         // Qwen3 only
  kRotaryEmb,
  kAttention,
  kOProj,
  kGateUpProj,
  kActFn,
  kDownProj,
  kMoe,            // MoE block (router + experts) in place of the dense MLP
  kFinalLayernorm,
  kLmHead,
  kSampler,
  kSlotCount
};

struct ModelShape {
  int hiddenSize = 0;
  int numLayers = 0;
  int numHeads = 0;
  int numKvHeads = 0;
  int headDim = 0;
  int intermediateSize = 0;  // dense FFN width (0 for all-MoE models)
  int vocabSize = 0;
  bool qkNorm = false;       // Qwen3 per-head q/k RMSNorm
  int numExperts = 0;        // 0 = dense model
  int expertsPerToken = 0;
  int expertIntermediateSize = 0;
  int numSharedExperts = 0;
  int sharedExpertIntermediateSize = 0;
};

struct Precision {
  double weightBytes = 2;      // per weight element (int4 = 0.5)
  double kvBytes = 2;          // per KV-cache element
  double activationBytes = 2;  // per activation element
};

struct RooflineDevice {
  double peakFlopsPerNs = 0;  // peak for the weight dtype, FLOP/ns (= TFLOPS x 1000)
  double memBytesPerNs = 0;   // HBM bandwidth, bytes/ns (= decimal GB/s)
  double computeEfficiency = 0.7;
  double memoryEfficiency = 0.85;
  double launchOverheadNs = 2000;  // per op (kernel launch, eager mode)
};

struct OpCost {
  double flops = 0;
  double bytes = 0;
};

// FLOPs and HBM bytes of one rank for one occurrence of `slot`, with tensor-parallel degree tp; MoE experts are
// split over ep ranks (0 = tp), the busiest of which gets moeImbalance x the balanced share of token-expert pairs.
OpCost opCost(Slot slot, const BatchShape& batch, const ModelShape& model, const Precision& prec, int tp, int ep = 0,
              double moeImbalance = 1.0);

// Roofline time of one op, integer ns (rounded to nearest, at least 1).
int64_t rooflineNs(const OpCost& cost, const RooflineDevice& device);

}  // namespace servesim
