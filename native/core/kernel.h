#pragma once
// One scheduled batch -> one iteration time (README §2.1-§2.4): lookups or roofline per layer, the block walk,
// TP all-reduces and the host-memory load/store terms, plus the counters energy and reports need.
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "attention_table.h"
#include "batch_shape.h"
#include "collectives.h"
#include "lookup.h"
#include "moe.h"
#include "roofline.h"
#include "skew.h"
#include "weight_loads.h"

namespace servesim {

// Indices into the counters array (mirrors COUNTER in src/cost/costModel.ts).
enum Counter : int {
  kLatencyNs = 0,
  kComputeNs,      // Σ layer compute
  kCommNs,         // TP all-reduces
  kMemNs,          // host load + store
  kFlops,          // all ranks
  kHbmBytes,       // all ranks
  kCommBytes,      // bytes put on links by all ranks (README §10 ring bytes)
  kLookups,        // table lookups this iteration
  kExtrapolated,   // lookups outside a table's range (clamped below or extrapolated above)
  kRoofline,       // layers timed by the roofline because no table covers them
  kMissingLayers,  // layers absent from a table that exists: 0 ns, as LLMServingSim (README §1.8)
  kPpSendNs,       // one stage-to-stage send of the hidden state (pp > 1, README §2.5)
  kKvTransferBytes,  // P/D prefill role: new K/V this step sends to the decode side, per rank, all layers (§2.8)
  kKvTransferNs,     // ... as one point-to-point send per block (layer-wise streaming), summed
  kStageCount,       // pipeline stages (pp)
  kStageNs,          // first of kMaxPipelineStages per-stage times: stage s at kStageNs + s (pp = 1: the whole step)
  kCounterCount = kStageNs + 32
};
constexpr int kMaxPipelineStages = kCounterCount - kStageNs;

// Extra entries of the breakdown array after the kSlotCount per-layer times.
enum BreakdownExtra : int {
  kAttentionTMeanNs = kSlotCount,
  kBlockNs,
  kComputeTotalNs,
  kLoadNs,
  kStoreNs,
  kAllReduceNs,  // one all-reduce
  kMoeCommNs,    // one block's MoE dispatch all-gather + combine reduce-scatter (ep > 1)
  kWeightStallNs,  // time the layer walk waited for weights placed on cpu/cxl memory (0 without placement)
  kAllReduceFirstStepNs,  // end of one all-reduce's first ring step, from its start (tp 2; 0 = not known)
  kBreakdownSize
};

// Where a layer slot's time comes from.
enum class SlotSource : uint8_t { kAbsent, kTable, kRoofline, kMissing };

struct HostMemory {
  bool enabled = false;
  double bytesPerNs = 0;  // cpu_mem.mem_bw, decimal GB/s = bytes/ns
  double latencyNs = 0;   // cpu_mem.mem_latency
};

struct KernelConfig {
  ModelShape model;
  Precision precision;
  RooflineDevice device;
  int tp = 1;
  int ep = 1;  // expert-parallel degree of MoE layers (README §2.6; default tp for MoE models, set by the caller)
  int pp = 1;  // pipeline stages (README §2.5), 1..kMaxPipelineStages and at most numLayers
  // Expert routing: the busiest EP rank receives this many times the balanced share of tokens (1 = BALANCED,
  // README §2.6), capped at every token; ranks run in parallel, so the busiest one gates the MoE block.
  double moeImbalance = 1.0;
  bool pdPrefill = false;  // a P/D prefill instance: count the K/V each step streams to the decode side (§2.8)
  bool hasNetwork = false;
  Network network;
  HostMemory hostMemory;
  // fp of README §2.4: bytes per element for the host load/store and the all-reduce message (weight dtype).
  double ioBytesPerElement = 2;
};

// LLMServingSim v0.2.1 / llm-profile tables (see docs in src/cost/v021Csv.ts): dense layers keyed on the batch's
// token count, rope/attn once per request (prefill keyed on its context length, decode on its KV length + 1).
struct V021Tables {
  std::vector<Table1D> prologue;  // embedding
  std::vector<Table1D> block;     // per-token layers of one block
  std::vector<Table1D> head;      // final_layernorm, lm_head
  Table1D ropePrefill, ropeDecode, attnPrefill, attnDecode;
};

struct KernelTotals {
  double calls = 0, lookups = 0, extrapolated = 0, roofline = 0;
};

class Kernel {
 public:
  explicit Kernel(const KernelConfig& config);
  // Profile bundle tables (LLMServingSim 2.0). A slot with no table of its category is timed by the roofline.
  void setTable(Slot slot, Table1D table);
  void setMissing(Slot slot);  // the category's file exists but lacks this layer
  void setAttention(AttentionTable table);
  void setMoe(MoeTable table);  // tp1/moe.csv (README §2.6)
  void setSkew(SkewFit skew) { skew_ = std::move(skew); }
  void setV021(V021Tables tables);
  // Weights of some layers on cpu/cxl memory, loaded every iteration (README §2.4, weight_loads.h). pp = 1 only.
  void setWeightPlacement(WeightPlacement placement) { weightPlacement_ = std::move(placement); }

  // counters: kCounterCount doubles; breakdown: kBreakdownSize doubles. Both overwritten. Returns integer ns.
  // padTotalLen > 0: a DP-group member padded to the group's largest total_len with 1-token dummy decodes (README
  // §2.7); padNumSeqs is not used (each dummy adds its own sequence).
  // group: more decode rows given as totals (batch_shape.h), or null; not with the v0.2.1 tables (per-row lookups).
  int64_t iterate(const int32_t* newTokens, const int32_t* computedBefore, int n, double* counters,
                  double* breakdown, int64_t padTotalLen = 0, int64_t padNumSeqs = 0, const DecodeRows* group = nullptr);
  const KernelTotals& totals() const { return totals_; }
  // P/D hand-off: K/V bytes of `tokens` tokens on one rank (2 x kv_heads x head_dim x kv_fp x layers / (tp x pp))
  // and one point-to-point send of them over the link (round(latency) + ceil(bytes / B_link) ns, sendNs).
  double kvBytes(int64_t tokens) const;
  int64_t kvTransferNs(int64_t tokens) const;
  SlotSource source(Slot slot) const { return sources_[slot]; }

 private:
  int64_t slotNs(Slot slot, const BatchShape& b, double key, double* counters);
  int64_t attentionNs(const BatchShape& b, double* counters, double* breakdown);
  int64_t moeNs(const BatchShape& b, double* counters);
  void computeV021(const int32_t* newTokens, const int32_t* computedBefore, int n, const BatchShape& b,
                   double* counters, double* breakdown);
  struct ShapeMemo;
  void computeBundle(const BatchShape& b, double* counters, double* breakdown, ShapeMemo& memo);
  int64_t lookupCounted(const Table1D& table, double key, double* counters);
  int64_t tableNs(Slot slot, double key, double* counters);

  KernelConfig config_;
  std::array<SlotSource, kSlotCount> sources_{};
  std::array<Table1D, kSlotCount> tables_;
  AttentionTable attention_;
  MoeTable moe_;
  SkewFit skew_;
  bool v021_ = false;
  V021Tables v021Tables_;
  KernelTotals totals_;
  WeightPlacement weightPlacement_;
  // Op model of the current iteration per slot (scratch, reused). FLOPs and bytes live in separate arrays: an
  // OpCost just stored from opCost()'s two return registers and read back as one 16-byte value (GCC joins the two
  // doubles that way) stalls on store forwarding.
  std::array<double, kSlotCount> slotFlops_{}, slotBytes_{};

  // Every layer but attention is a function of (total_len, num_seqs) alone: its op cost, its time and its share of
  // the counters are kept for the last two shapes seen (a serving run alternates decode-only batches with batches
  // holding a prefill chunk, and the running decodes keep their count for a few steps). A hit gives exactly what
  // recomputing would.
  struct ShapeMemo {
    int64_t totalLen = -1, numSeqs = -1;  // -1: empty
    bool hasTimes = false;                // ns and the counts are set (profile-bundle kernels only)
    std::array<double, kSlotCount> flops{}, bytes{};  // op costs of each slot but attention
    std::array<double, kSlotCount> ns{};  // breakdown entry of each slot but attention
    double lookups = 0, extrapolated = 0, roofline = 0, missing = 0;
  };
  ShapeMemo& shapeMemo(const BatchShape& b, bool& known);
  void forgetShapes();
  std::array<ShapeMemo, 2> shapeMemo_;
  int shapeMemoLast_ = 0;  // the entry used last; a new shape replaces the other one

  // Slots whose tables share keys (every dense.csv layer) share one grid search: the position of the last key is
  // kept at axisOwner_[slot], the first table slot with the same keys.
  struct PositionMemo {
    double key = std::numeric_limits<double>::quiet_NaN();  // NaN: empty (equals no key)
    Table1D::Position position;
  };
  std::array<int, kSlotCount> axisOwner_{};
  std::array<PositionMemo, kSlotCount> positionMemo_;
  AttentionTable::Memo attentionMemo_;  // attention corners of the last (prefill_chunk, kv_prefill, n_decode)
};

}  // namespace servesim
