#pragma once
// Llama-3.1-8B on an RTX PRO 6000 (503.8 TFLOP/s, 1597 GB/s) with LLMServingSim's example link (16 GiB/s, 20 us):
// the kernel configuration several tests trace by hand.
#include "collectives.h"
#include "kernel.h"

inline servesim::KernelConfig llamaOnRtxPro6000(bool withNetwork = true) {
  servesim::KernelConfig cfg;
  cfg.model.hiddenSize = 4096;
  cfg.model.numLayers = 32;
  cfg.model.numHeads = 32;
  cfg.model.numKvHeads = 8;
  cfg.model.headDim = 128;
  cfg.model.intermediateSize = 14336;
  cfg.model.vocabSize = 128256;
  cfg.device.peakFlopsPerNs = 503800;
  cfg.device.memBytesPerNs = 1597;
  if (withNetwork) {
    cfg.hasNetwork = true;
    cfg.network = servesim::networkFromConfig(16, 20000, 1597);
  }
  return cfg;
}
