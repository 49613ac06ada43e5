#include "roofline.h"

#include <algorithm>
#include <cmath>

namespace servesim {

namespace {
// One GEMM [m x k] x [k x n]: 2mkn FLOPs; reads the weight and the input, writes the output.
OpCost gemm(double m, double k, double n, const Precision& p) {
  return {2.0 * m * k * n, k * n * p.weightBytes + m * k * p.activationBytes + m * n * p.activationBytes};
}
// RMSNorm over m rows of width w: square, sum, scale, multiply by weight; reads and writes the rows.
OpCost rmsNorm(double m, double w, const Precision& p) {
  return {4.0 * m * w, 2.0 * m * w * p.activationBytes + w * p.weightBytes};
}
}  // namespace

OpCost opCost(Slot slot, const BatchShape& b, const ModelShape& m, const Precision& p, int tp, int ep, double moeImbalance) {
  const double t = static_cast<double>(b.totalLen);
  const double seqs = static_cast<double>(b.numSeqs);
  const double h = m.hiddenSize;
  const double qDim = static_cast<double>(m.numHeads) * m.headDim / tp;
  const double kvDim = static_cast<double>(m.numKvHeads) * m.headDim / tp;
  const double ffn = static_cast<double>(m.intermediateSize) / tp;
  const double vocab = static_cast<double>(m.vocabSize) / tp;
  switch (slot) {
    case kEmbedding:  // gather T rows of the (vocab-sharded) table
      return {0.0, t * h * (p.weightBytes + p.activationBytes) + 4.0 * t};
    case kLayernorm:
    case kFinalLayernorm:
      return rmsNorm(t, h, p);
    case kQkvProj:
      return gemm(t, h, qDim + 2.0 * kvDim, p);
    case kQkNorm:
      return rmsNorm(t, qDim + kvDim, p);
    case kRotaryEmb:  // rotate q and k: ~3 FLOPs per element, read and write
      return {3.0 * t * (qDim + kvDim), 2.0 * t * (qDim + kvDim) * p.activationBytes};
    case kAttention: {
      // QK^T and PV: 2 x 2 x head_dim FLOPs per (query, key) pair and head; reads every KV entry once, Q in, O out.
      const double headsPerRank = static_cast<double>(m.numHeads) / tp;
      return {4.0 * headsPerRank * m.headDim * b.attentionPairs,
              b.kvTokensRead * 2.0 * kvDim * p.kvBytes + 2.0 * t * qDim * p.activationBytes +
                  2.0 * t * kvDim * p.kvBytes};
    }
    case kOProj:
      return gemm(t, qDim, h, p);
    case kGateUpProj:
      return gemm(t, h, 2.0 * ffn, p);
    case kActFn:  // SiLU(gate) * up: ~5 FLOPs per output; reads two halves, writes one
      return {5.0 * t * ffn, 3.0 * t * ffn * p.activationBytes};
    case kDownProj:
      return gemm(t, ffn, h, p);
    case kMoe: {
      if (m.numExperts <= 0) return {};
      // Router GEMM, then top-k experts per token (gate, up, down); experts split evenly over ep ranks.
      // Balanced routing: the weights of min(E, T*k) distinct experts are read.
      const double e = m.numExperts, k = m.expertsPerToken, f = m.expertIntermediateSize;
      const double ranks = ep > 0 ? ep : tp;
      const double active = std::min(e, t * k) / ranks;
      OpCost router = gemm(t, h, e, p);
      // Token-expert pairs on the busiest rank: the balanced share t*k/ranks times the routing imbalance (at most
      // all t*k pairs, i.e. imbalance <= ranks).
      const double skew = std::min(ranks, std::max(1.0, moeImbalance));
      double expertFlops = 2.0 * t * k * 3.0 * h * f / ranks;
      double pairBytes = 2.0 * t * k / ranks * (h + f) * p.activationBytes;
      if (skew != 1.0) {
        expertFlops *= skew;
        pairBytes *= skew;
      }
      const double expertBytes = active * 3.0 * h * f * p.weightBytes + pairBytes;
      const double sharedF = static_cast<double>(m.numSharedExperts) * m.sharedExpertIntermediateSize / tp;
      OpCost shared = sharedF > 0 ? gemm(t, h, 3.0 * sharedF, p) : OpCost{};
      return {router.flops + expertFlops + shared.flops, router.bytes + expertBytes + shared.bytes};
    }
    case kLmHead:  // projection of each sequence's last hidden state, fp32 logits out
      return {2.0 * seqs * h * vocab, h * vocab * p.weightBytes + seqs * h * p.activationBytes + seqs * vocab * 4.0};
    case kSampler:  // softmax / argmax over the full (gathered) vocabulary, fp32
      return {5.0 * seqs * m.vocabSize, 2.0 * seqs * m.vocabSize * 4.0};
    default:
      return {};
  }
}

int64_t rooflineNs(const OpCost& cost, const RooflineDevice& d) {
  const double computeNs = cost.flops / (d.peakFlopsPerNs * d.computeEfficiency);
  const double memoryNs = cost.bytes / (d.memBytesPerNs * d.memoryEfficiency);
  const double ns = std::nearbyint(std::max(computeNs, memoryNs) + d.launchOverheadNs);
  return ns < 1.0 ? 1 : static_cast<int64_t>(ns);
}

}  // namespace servesim
