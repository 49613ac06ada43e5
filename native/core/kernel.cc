#include "kernel.h"

#include <algorithm>
#include <cmath>

namespace servesim {

namespace {
// Occurrences of a slot per iteration, in units of "per block" (README §2.2: prologue, L blocks, head).
bool isBlockSlot(Slot s) { return s != kEmbedding && s != kFinalLayernorm && s != kLmHead && s != kSampler; }
// How many times a slot runs per iteration: each block slot once per layer (layernorm twice), the others once.
double timesPerIteration(int s, const ModelShape& m) {
  const Slot slot = static_cast<Slot>(s);
  return isBlockSlot(slot) ? m.numLayers * (slot == kLayernorm ? 2.0 : 1.0) : 1.0;
}
}  // namespace

Kernel::Kernel(const KernelConfig& config) : config_(config) {
  const ModelShape& m = config_.model;
  const bool moe = m.numExperts > 0;
  for (int s = 0; s < kSlotCount; ++s) {
    const Slot slot = static_cast<Slot>(s);
    bool present = true;
    if (slot == kQkNorm) present = m.qkNorm;
    if (slot == kMoe) present = moe;
    if (slot == kGateUpProj || slot == kActFn || slot == kDownProj) present = !moe;
    sources_[s] = present ? SlotSource::kRoofline : SlotSource::kAbsent;
  }
}

void Kernel::setTable(Slot slot, Table1D table) {
  if (sources_[slot] == SlotSource::kAbsent || table.empty()) return;
  tables_[slot] = std::move(table);
  sources_[slot] = SlotSource::kTable;
  for (int s = 0; s < kSlotCount; ++s) {
    axisOwner_[s] = s;
    for (int o = 0; o < s; ++o) {
      if (sources_[o] == SlotSource::kTable && sources_[s] == SlotSource::kTable && tables_[o].sameKeys(tables_[s])) {
        axisOwner_[s] = o;
        break;
      }
    }
  }
  positionMemo_.fill(PositionMemo{});
  forgetShapes();
}

void Kernel::setMissing(Slot slot) {
  if (sources_[slot] != SlotSource::kAbsent) sources_[slot] = SlotSource::kMissing;
  forgetShapes();
}

void Kernel::forgetShapes() { shapeMemo_.fill(ShapeMemo{}); }

Kernel::ShapeMemo& Kernel::shapeMemo(const BatchShape& b, bool& known) {
  ShapeMemo& last = shapeMemo_[shapeMemoLast_];
  known = last.totalLen == b.totalLen && last.numSeqs == b.numSeqs;
  if (known) return last;
  shapeMemoLast_ = 1 - shapeMemoLast_;
  ShapeMemo& other = shapeMemo_[shapeMemoLast_];
  known = other.totalLen == b.totalLen && other.numSeqs == b.numSeqs;
  if (!known) other = ShapeMemo{b.totalLen, b.numSeqs};
  return other;
}

void Kernel::setAttention(AttentionTable table) {
  if (table.empty()) return;
  attention_ = std::move(table);
  attentionMemo_ = AttentionTable::Memo{};
  sources_[kAttention] = SlotSource::kTable;
}

void Kernel::setMoe(MoeTable table) {
  if (table.empty() || sources_[kMoe] == SlotSource::kAbsent) return;
  moe_ = std::move(table);
  sources_[kMoe] = SlotSource::kTable;
  forgetShapes();
}

void Kernel::setV021(V021Tables tables) {
  v021Tables_ = std::move(tables);
  v021_ = true;
  forgetShapes();
}

int64_t Kernel::lookupCounted(const Table1D& table, double key, double* counters) {
  if (table.empty()) return 0;
  bool outside = false;
  const int64_t ns = table.lookupNs(key, outside);
  counters[kLookups] += 1;
  if (outside) counters[kExtrapolated] += 1;
  return ns;
}

// lookupCounted(tables_[slot], key, counters), with the key's grid position searched once per shared key grid.
int64_t Kernel::tableNs(Slot slot, double key, double* counters) {
  PositionMemo& at = positionMemo_[axisOwner_[slot]];
  if (!(at.key == key)) at = {key, tables_[axisOwner_[slot]].position(key)};
  counters[kLookups] += 1;
  if (at.position.outside) counters[kExtrapolated] += 1;
  return tables_[slot].valueNs(at.position);
}

int64_t Kernel::slotNs(Slot slot, const BatchShape&, double key, double* counters) {
  switch (sources_[slot]) {
    case SlotSource::kTable:
      return tableNs(slot, key, counters);
    case SlotSource::kRoofline:
      counters[kRoofline] += 1;
      return rooflineNs(OpCost{slotFlops_[slot], slotBytes_[slot]}, config_.device);
    case SlotSource::kMissing:
      counters[kMissingLayers] += 1;
      return 0;
    default:
      return 0;
  }
}

int64_t Kernel::attentionNs(const BatchShape& b, double* counters, double* breakdown) {
  // README §2.2: the attention row is emitted only if there is a prefill chunk or a decode.
  if (b.prefillChunk == 0 && b.nDecode == 0) return 0;
  if (sources_[kAttention] != SlotSource::kTable) {
    const int64_t ns = slotNs(kAttention, b, 0, counters);
    breakdown[kAttentionTMeanNs] = static_cast<double>(ns);
    return ns;
  }
  const double pc = static_cast<double>(b.prefillChunk), kp = static_cast<double>(b.kvPrefill);
  const double nd = static_cast<double>(b.nDecode);
  bool outside = false;
  const int64_t tMean = attention_.lookupNs(pc, kp, nd, static_cast<double>(b.kvDecodeMean), outside, attentionMemo_);
  counters[kLookups] += 1;
  if (outside) counters[kExtrapolated] += 1;
  breakdown[kAttentionTMeanNs] = static_cast<double>(tMean);
  // Skew correction (README §2.3): only for two or more decodes of unequal length.
  if (b.nDecode <= 1 || b.kvDecodeMax == b.kvDecodeMean) return tMean;
  double skewRate = static_cast<double>(b.kvDecodeMean - b.kvDecodeMin) / static_cast<double>(b.kvDecodeMax - b.kvDecodeMin);
  skewRate = std::min(1.0, std::max(0.0, skewRate));
  const double alpha = skew_.alpha(b.prefillChunk, b.nDecode, skewRate, b.kvDecodeMax, b.kvPrefill);
  if (alpha == 0.0) return tMean;
  bool outsideMax = false;
  const int64_t tMax = attention_.lookupNs(pc, kp, nd, static_cast<double>(b.kvDecodeMax), outsideMax, attentionMemo_);
  counters[kLookups] += 1;
  if (outsideMax) counters[kExtrapolated] += 1;
  return skewCorrectedNs(tMean, tMax, alpha);
}

// README §2.6: BALANCED routing gives the tokens and distinct experts per rank; ranks run in parallel, so one
// rank's moe.csv time is the block's.
int64_t Kernel::moeNs(const BatchShape& b, double* counters) {
  if (sources_[kMoe] != SlotSource::kTable) return slotNs(kMoe, b, 0, counters);
  const ModelShape& m = config_.model;
  const MoeRouting r = balancedRouting(b.totalLen, m.numExperts, m.expertsPerToken, config_.ep);
  // Skewed routing: the busiest rank gets moeImbalance x the balanced tokens (never more than the batch has).
  const int64_t tokens = config_.moeImbalance == 1.0
                             ? r.tokensPerRank
                             : std::min<int64_t>(b.totalLen, std::llround(r.tokensPerRank * config_.moeImbalance));
  bool outside = false;
  const int64_t ns = moe_.lookupNs(static_cast<double>(tokens),
                                   static_cast<double>(r.activatedPerRank > 1 ? r.activatedPerRank : 1), outside);
  counters[kLookups] += 1;
  if (outside) counters[kExtrapolated] += 1;
  return ns;
}

void Kernel::computeBundle(const BatchShape& b, double* counters, double* breakdown, ShapeMemo& memo) {
  if (memo.hasTimes) {
    for (int s = 0; s < kSlotCount; ++s) {
      if (s != kAttention) breakdown[s] = memo.ns[s];
    }
    // Counts are small integers: adding them at once is exact.
    counters[kLookups] += memo.lookups;
    counters[kExtrapolated] += memo.extrapolated;
    counters[kRoofline] += memo.roofline;
    counters[kMissingLayers] += memo.missing;
  } else {
    const double lookups = counters[kLookups], extrapolated = counters[kExtrapolated];
    const double roofline = counters[kRoofline], missing = counters[kMissingLayers];
    const double tokens = static_cast<double>(b.totalLen);
    const double seqs = static_cast<double>(b.numSeqs);
    // README §2.2: dense layers keyed on total_len, per-sequence layers (lm_head, sampler) on num_seqs.
    for (int s = 0; s < kSlotCount; ++s) {
      const Slot slot = static_cast<Slot>(s);
      if (slot == kAttention) continue;
      if (slot == kMoe) {
        breakdown[s] = static_cast<double>(moeNs(b, counters));
      } else {
        const double key = (slot == kLmHead || slot == kSampler) ? seqs : tokens;
        breakdown[s] = static_cast<double>(slotNs(slot, b, key, counters));
      }
      memo.ns[s] = breakdown[s];
    }
    memo.lookups = counters[kLookups] - lookups;
    memo.extrapolated = counters[kExtrapolated] - extrapolated;
    memo.roofline = counters[kRoofline] - roofline;
    memo.missing = counters[kMissingLayers] - missing;
    memo.hasTimes = true;
  }
  breakdown[kAttention] = static_cast<double>(attentionNs(b, counters, breakdown));
  // One block: pre_attn [layernorm, qkv_proj, (qk_norm), rotary_emb, attention], post_attn [o_proj, layernorm],
  // mlp [gate_up_proj, act_fn, down_proj] or [moe] (README §1.8).
  int64_t block = 0;
  for (int s = 0; s < kSlotCount; ++s) {
    if (!isBlockSlot(static_cast<Slot>(s))) continue;
    block += static_cast<int64_t>(breakdown[s]) * (s == kLayernorm ? 2 : 1);
  }
  breakdown[kBlockNs] = static_cast<double>(block);
  breakdown[kComputeTotalNs] = breakdown[kEmbedding] + config_.model.numLayers * static_cast<double>(block) +
                               breakdown[kFinalLayernorm] + breakdown[kLmHead] + breakdown[kSampler];
}

void Kernel::computeV021(const int32_t* newTokens, const int32_t* computedBefore, int n, const BatchShape& b,
                         double* counters, double* breakdown) {
  const V021Tables& t = v021Tables_;
  const double tokens = static_cast<double>(b.totalLen);
  int64_t prologue = 0, dense = 0, head = 0, rope = 0, attn = 0;
  for (const Table1D& table : t.prologue) prologue += lookupCounted(table, tokens, counters);
  for (const Table1D& table : t.block) dense += lookupCounted(table, tokens, counters);
  for (const Table1D& table : t.head) head += lookupCounted(table, tokens, counters);
  // rope and attention run once per request (ORCA-style trace, one ATTENTION section per request).
  // Counts are kept in locals in this per-request loop and added to the counters once.
  int64_t lookups = 0, outsideCount = 0;
  bool outside = false;
  for (int i = 0; i < n; ++i) {
    if (newTokens[i] <= 0) continue;
    const bool decode = newTokens[i] == 1;
    // decode rows are keyed kv + 1 (see v021Csv.ts); prefill rows on the context length after this step (as in
    // v0.2.1's trace example)
    const double key = static_cast<double>(computedBefore[i]) + (decode ? 1.0 : static_cast<double>(newTokens[i]));
    const Table1D& ropeTable = decode ? t.ropeDecode : t.ropePrefill;
    const Table1D& attnTable = decode ? t.attnDecode : t.attnPrefill;
    if (!ropeTable.empty()) {
      rope += ropeTable.lookupNs(key, outside);
      ++lookups;
      outsideCount += outside;
    }
    if (!attnTable.empty()) {
      attn += attnTable.lookupNs(key, outside);
      ++lookups;
      outsideCount += outside;
    }
  }
  counters[kLookups] += static_cast<double>(lookups);
  counters[kExtrapolated] += static_cast<double>(outsideCount);
  const int64_t block = dense + rope + attn;
  // Breakdown in v0.2.1 terms: rotary_emb / attention hold the per-request rope / attn sums, lm_head the head
  // (final_layernorm + lm_head); the other per-token layers are only in block_ns.
  breakdown[kEmbedding] = static_cast<double>(prologue);
  breakdown[kRotaryEmb] = static_cast<double>(rope);
  breakdown[kAttention] = static_cast<double>(attn);
  breakdown[kAttentionTMeanNs] = static_cast<double>(attn);
  breakdown[kLmHead] = static_cast<double>(head);
  breakdown[kBlockNs] = static_cast<double>(block);
  breakdown[kComputeTotalNs] = static_cast<double>(prologue) + config_.model.numLayers * static_cast<double>(block) +
                               static_cast<double>(head);
}

int64_t Kernel::iterate(const int32_t* newTokens, const int32_t* computedBefore, int n, double* counters,
                        double* breakdown, int64_t padTotalLen, int64_t padNumSeqs, const DecodeRows* group) {
  std::fill(counters, counters + kCounterCount, 0.0);
  std::fill(breakdown, breakdown + kBreakdownSize, 0.0);
  totals_.calls += 1;
  BatchShape real = describeBatch(newTokens, computedBefore, n);
  if (group != nullptr) addDecodeRows(real, *group);
  // README §2.7: in a DP group every member's batch is padded to the group's largest with dummy decodes, which count
  // for the per-token layers, lm_head/sampler, the collectives and the host load/store, not for attention (the
  // attention descriptors stay those of the real requests).
  BatchShape b = real;
  // Each dummy is one more decode, so one more sequence for lm_head/sampler (LLMServingSim's _pad_batch_to_max adds
  // the pad to num_decode): the group's largest num_seqs plays no part. LLMServingSim's example_dp_run.csv matches
  // every TTFT and ITL with this (with num_seqs padded to the group maximum instead, a padded decode step is ~6 us short).
  if (padTotalLen > b.totalLen) {
    b.numSeqs += padTotalLen - b.totalLen;
    b.totalLen = padTotalLen;
  }
  (void)padNumSeqs;
  if (b.totalLen == 0) return 0;
  // The op model's FLOPs and bytes: roofline times and the counters both use them.
  const ModelShape& m = config_.model;
  const int tp = config_.tp;
  const bool attention = b.prefillChunk > 0 || b.nDecode > 0;
  bool knownShape = false;
  ShapeMemo& shape = shapeMemo(b, knownShape);
  std::array<int, kSlotCount> costed;  // slots with a cost this iteration, in slot order
  int nCosted = 0;
  for (int s = 0; s < kSlotCount; ++s) {
    const Slot slot = static_cast<Slot>(s);
    if (sources_[s] == SlotSource::kAbsent || (slot == kAttention && !attention)) {
      slotFlops_[s] = slotBytes_[s] = 0;
      continue;
    }
    if (slot == kAttention || !knownShape) {
      const OpCost cost = opCost(slot, slot == kAttention ? real : b, m, config_.precision, tp, config_.ep,
                                 config_.moeImbalance);
      slotFlops_[s] = cost.flops;
      slotBytes_[s] = cost.bytes;
      if (slot != kAttention) {
        shape.flops[s] = cost.flops;
        shape.bytes[s] = cost.bytes;
      }
    } else {
      slotFlops_[s] = shape.flops[s];
      slotBytes_[s] = shape.bytes[s];
    }
    costed[nCosted++] = s;
  }
  // Summed in slot order, each sum in its own loop (together, GCC packs them into one vector and reloads the
  // costs 16 bytes at a time: the store-forwarding stall again).
  double flops = 0, hbm = 0;
  for (int i = 0; i < nCosted; ++i) flops += slotFlops_[costed[i]] * timesPerIteration(costed[i], m);
  for (int i = 0; i < nCosted; ++i) hbm += slotBytes_[costed[i]] * timesPerIteration(costed[i], m);
  if (v021_) computeV021(newTokens, computedBefore, n, b, counters, breakdown);
  else computeBundle(b, counters, breakdown, shape);

  const double layers = m.numLayers;
  // README §2.4: TP all-reduces of S = total_len x hidden x fp bytes after o_proj and after down_proj (a MoE block
  // has no down_proj: one), serialized with compute. Each collective is rounded to integer ns.
  const bool moe = m.numExperts > 0;
  const int allReducesPerBlock = moe ? 1 : 2;
  const double hiddenBytes = static_cast<double>(b.totalLen) * m.hiddenSize * config_.ioBytesPerElement;
  int64_t allReduce = 0;
  double commBytes = 0;
  if (tp > 1 && config_.hasNetwork) {
    allReduce = std::llround(allReduceNs(hiddenBytes, tp, config_.network));
    commBytes += allReducesPerBlock * layers * allReduceWireBytes(hiddenBytes, tp) * tp;
  }
  // README §2.6: with ep > 1 each MoE block is wrapped in an all-gather (dispatch, max(1, T // ep) x (hidden + E)
  // x fp) and a reduce-scatter (combine, T x hidden x fp) over the ep ranks.
  int64_t moeComm = 0;
  const int ep = config_.ep;
  if (moe && ep > 1 && config_.hasNetwork) {
    const double dispatch = static_cast<double>(std::max<int64_t>(1, b.totalLen / ep)) * (m.hiddenSize + m.numExperts) *
                            config_.ioBytesPerElement;
    moeComm = std::llround(allGatherNs(dispatch, ep, config_.network)) +
              std::llround(reduceScatterNs(hiddenBytes, ep, config_.network));
    commBytes += layers * (dispatch + hiddenBytes) * (ep - 1);  // (ep-1) S / ep per rank, ep ranks
  }
  counters[kCommBytes] = commBytes;
  const int64_t comm = m.numLayers * (allReducesPerBlock * allReduce + moeComm);
  // README §2.4: embedding input loaded from and sampler output stored to host memory,
  // each mem_latency + floor(total_len x fp x 2 / mem_bw).
  int64_t load = 0;
  const HostMemory& host = config_.hostMemory;
  if (host.enabled) {
    const double bytes = static_cast<double>(b.totalLen) * config_.ioBytesPerElement * 2.0;
    load = static_cast<int64_t>(host.latencyNs) + static_cast<int64_t>(std::floor(bytes / host.bytesPerNs));
  }
  const int64_t store = load;
  const int64_t compute = static_cast<int64_t>(breakdown[kComputeTotalNs]);
  int64_t latency = load + compute + comm + store;

  // README §2.5: blocks split evenly over pp stages, the remainder to the earliest stages; the first stage also
  // loads the input and runs the embedding, the last runs final_layernorm / lm_head / sampler and stores the output.
  // Between consecutive stages the hidden state (total_len x hidden x fp) goes point-to-point over the link.
  // The step's latency is that of one micro-batch through an empty pipeline; the engine overlaps micro-batches
  // with the per-stage times.
  const int pp = config_.pp;
  const int64_t blockWithComm = static_cast<int64_t>(breakdown[kBlockNs]) + allReducesPerBlock * allReduce + moeComm;
  const int64_t head = static_cast<int64_t>(breakdown[kComputeTotalNs]) -
                       static_cast<int64_t>(breakdown[kEmbedding]) - m.numLayers * static_cast<int64_t>(breakdown[kBlockNs]);
  int64_t ppSend = 0;
  if (pp > 1) {
    if (config_.hasNetwork) ppSend = pipelineSendNs(hiddenBytes, config_.network);
    commBytes += (pp - 1) * hiddenBytes;  // one copy per hop (vLLM splits it over the TP ranks and gathers)
    counters[kCommBytes] = commBytes;
    latency += (pp - 1) * ppSend;
    const int base = m.numLayers / pp, extra = m.numLayers % pp;
    for (int st = 0; st < pp; ++st) {
      int64_t t = (base + (st < extra ? 1 : 0)) * blockWithComm;
      if (st == 0) t += load + static_cast<int64_t>(breakdown[kEmbedding]);
      if (st == pp - 1) t += head + store;
      counters[kStageNs + st] = static_cast<double>(t);
    }
  } else {
    if (weightPlacement_.active() && !v021_) {
      // Weights on cpu/cxl memory: the layer walk waits for their loads (README §2.4, weight_loads.cc).
      WeightPlacement::Step step;
      step.allReduceNs = allReduce;
      step.moeCommNs = moeComm;
      step.moe = moe;
      step.inputLoadNs = load;
      step.storeNs = store;
      const int64_t placed = weightPlacement_.iterationNs(breakdown, step);
      breakdown[kWeightStallNs] = static_cast<double>(placed - latency);
      latency = placed;
    }
    counters[kStageNs] = static_cast<double>(latency);
  }
  counters[kStageCount] = pp;
  counters[kPpSendNs] = static_cast<double>(ppSend);

  // README §2.8: a prefill instance streams each block's new K/V (2 x kv_heads x head_dim x tokens x kv_fp / tp
  // bytes) to the decode side right after qkv_proj, one point-to-point send per block.
  // Counted per TP rank over all blocks; the time is that of the stage with the most blocks (stages send in parallel).
  if (config_.pdPrefill) {
    const double perBlock = 2.0 * m.numKvHeads * m.headDim * config_.precision.kvBytes * static_cast<double>(b.totalLen) / tp;
    counters[kKvTransferBytes] = perBlock * m.numLayers;
    if (config_.hasNetwork) {
      const int busiestStageBlocks = m.numLayers / pp + (m.numLayers % pp > 0 ? 1 : 0);
      counters[kKvTransferNs] = static_cast<double>(busiestStageBlocks * sendNs(perBlock, config_.network));
    }
  }
  breakdown[kLoadNs] = static_cast<double>(load);
  breakdown[kStoreNs] = static_cast<double>(store);
  breakdown[kAllReduceNs] = static_cast<double>(allReduce);
  // An event inside each all-reduce, where LLMServingSim polls idle NPUs (src/cost/layerEvents.ts).
  breakdown[kAllReduceFirstStepNs] =
      allReduce > 0 ? static_cast<double>(std::llround(allReduceFirstStepNs(hiddenBytes, tp, config_.network))) : 0.0;
  breakdown[kMoeCommNs] = static_cast<double>(moeComm);
  counters[kLatencyNs] = static_cast<double>(latency);
  counters[kComputeNs] = static_cast<double>(compute);
  counters[kCommNs] = static_cast<double>(comm);
  counters[kMemNs] = static_cast<double>(load + store) + breakdown[kWeightStallNs];  // + waiting for placed weights
  counters[kFlops] = flops * tp;  // FLOPs and HBM bytes from the op model, whatever timed the layers
  counters[kHbmBytes] = hbm * tp;
  totals_.lookups += counters[kLookups];
  totals_.extrapolated += counters[kExtrapolated];
  totals_.roofline += counters[kRoofline];
  return latency;
}

double Kernel::kvBytes(int64_t tokens) const {
  const ModelShape& m = config_.model;
  return 2.0 * m.numKvHeads * m.headDim * config_.precision.kvBytes * m.numLayers * static_cast<double>(tokens) /
         (static_cast<double>(config_.tp) * config_.pp);
}

int64_t Kernel::kvTransferNs(int64_t tokens) const {
  if (!config_.hasNetwork || tokens <= 0) return 0;
  return sendNs(kvBytes(tokens), config_.network);
}

}  // namespace servesim
