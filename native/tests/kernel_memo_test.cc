// The kernel's per-call shortcuts must not change a single output bit: what it remembers between calls (layer
// times, counts and op costs per batch shape, the attention corners), the one grid search shared by tables with
// equal keys and the vector scan of the batch are each checked against the plain computation.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "attention_table.h"
#include "batch_shape.h"
#include "kernel.h"
#include "lookup.h"
#include "test_harness.h"

using namespace servesim;

namespace {
// Deterministic LCG (Numerical Recipes constants): the sequences below are the same on every run. The low bits of
// an LCG repeat with short periods, so only the high ones are used.
struct Rng {
  uint32_t state;
  uint32_t next() { return (state = state * 1664525u + 1013904223u) >> 8; }
  int range(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<uint32_t>(hi - lo + 1)); }
};

Table1D table(const std::vector<double>& keys, double base, double slope) {
  std::vector<double> values;
  for (double k : keys) values.push_back(base + slope * k + static_cast<double>(static_cast<int64_t>(k) % 7) * 3.0);
  return Table1D(keys.data(), values.data(), keys.size());
}

// Attention rows shaped like a profile bundle's: pure-decode slices (pc 0), pure-prefill slices (nd 0) and mixed
// ones, with a missing (pc, nd) pair so the nearest-slice fallback is used too.
AttentionTable attention() {
  std::vector<double> pc, kp, nd, kv, ns;
  auto add = [&](double a, double b, double c, double d) {
    pc.push_back(a); kp.push_back(b); nd.push_back(c); kv.push_back(d);
    ns.push_back(1000 + 3 * a + 0.5 * b + 40 * c + 0.25 * d * c + (static_cast<int64_t>(a + b + c + d) % 5));
  };
  for (double n : {1.0, 2.0, 4.0, 8.0})
    for (double k : {16.0, 64.0, 256.0, 1024.0}) add(0, 0, n, k);
  for (double p : {16.0, 64.0, 256.0})
    for (double k : {0.0, 128.0, 512.0}) add(p, k, 0, 0);
  for (double p : {16.0, 64.0})
    for (double k : {0.0, 128.0, 512.0})
      for (double n : {1.0, 2.0, 4.0})
        for (double d : {16.0, 64.0, 256.0, 1024.0}) add(p, k, n, d);
  return AttentionTable(pc.data(), kp.data(), nd.data(), kv.data(), ns.data(), ns.size());
}

KernelConfig smallModel() {
  KernelConfig c;
  c.model.hiddenSize = 64; c.model.numLayers = 3; c.model.numHeads = 4; c.model.numKvHeads = 2; c.model.headDim = 16;
  c.model.intermediateSize = 128; c.model.vocabSize = 1000;
  c.device.peakFlopsPerNs = 1000; c.device.memBytesPerNs = 100;
  c.hostMemory = {true, 50, 100};
  return c;
}

// Dense layers on one key grid (searched once), gate_up on its own grid, lm_head / sampler on a per-sequence grid,
// act_fn / down_proj left to the roofline; attention table and skew correction (alpha 0.5 everywhere).
Kernel makeKernel() {
  Kernel k(smallModel());
  const std::vector<double> tokens{1, 2, 3, 4, 8, 16, 20, 24, 64, 128, 256, 512};
  const std::vector<double> uniform{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const std::vector<double> seqs{1, 2, 4, 8, 16, 32};
  k.setTable(kEmbedding, table(tokens, 500, 0.5));
  k.setTable(kLayernorm, table(tokens, 300, 0.25));
  k.setTable(kQkvProj, table(tokens, 900, 3.5));
  k.setTable(kRotaryEmb, table(tokens, 200, 0.125));
  k.setTable(kOProj, table(tokens, 700, 2.5));
  k.setTable(kGateUpProj, table(uniform, 1100, 7.0));
  k.setTable(kFinalLayernorm, table(tokens, 310, 0.3));
  k.setTable(kLmHead, table(seqs, 5000, 11.0));
  k.setTable(kSampler, table(seqs, 100, 1.5));
  k.setAttention(attention());
  k.setSkew(SkewFit(SkewBins{{0, 1e9}, {-1, 2}, {0, 1e9}, {-1, 1e9}}, 0.5, false));
  return k;
}

struct Batch {
  std::vector<int32_t> newTokens, computedBefore;
  int64_t padTotalLen = 0, padNumSeqs = 0;
};

// Running decodes whose KV grows by one per step (keys repeat while membership holds), a prefill chunk every third
// step, members leaving and joining, exact repeats, an empty batch and DP padding now and then.
std::vector<Batch> servingSequence() {
  Rng rng{7};
  std::vector<int32_t> kv{10, 40, 200, 900};
  std::vector<Batch> out;
  for (int step = 0; step < 240; ++step) {
    Batch b;
    for (int32_t k : kv) {
      b.newTokens.push_back(1);
      b.computedBefore.push_back(k);
    }
    if (step % 3 == 2) {
      b.newTokens.push_back(rng.range(2, 300));
      b.computedBefore.push_back(rng.range(0, 700));
    }
    if (step % 11 == 5) b.padTotalLen = rng.range(0, 600);
    if (step % 13 == 7) b.padNumSeqs = rng.range(0, 60);
    out.push_back(b);
    if (step % 5 == 0) out.push_back(b);        // the same batch again
    if (step % 37 == 0) out.push_back(Batch{});  // nothing scheduled
    if (step % 7 == 3) {
      // the same total_len from other requests: one prefill chunk instead of the decodes (num_seqs differs)
      const int64_t tokens = static_cast<int64_t>(b.newTokens.size()) + (step % 3 == 2 ? b.newTokens.back() - 1 : 0);
      out.push_back(Batch{{static_cast<int32_t>(tokens)}, {rng.range(0, 500)}, 0, 0});
    }
    for (int32_t& k : kv) ++k;
    if (step % 2 == 1) {
      kv.erase(kv.begin() + rng.range(0, static_cast<int>(kv.size()) - 1));
      kv.push_back(rng.range(0, 1500));
      if (kv.size() < 40 && rng.range(0, 1) == 1) kv.push_back(rng.range(0, 3000));
    }
  }
  return out;
}

struct Output {
  int64_t ns;
  std::vector<double> counters, breakdown;
};

Output run(Kernel& k, const Batch& b) {
  Output o{0, std::vector<double>(kCounterCount, -1.0), std::vector<double>(kBreakdownSize, -1.0)};
  o.ns = k.iterate(b.newTokens.data(), b.computedBefore.data(), static_cast<int>(b.newTokens.size()),
                   o.counters.data(), o.breakdown.data(), b.padTotalLen, b.padNumSeqs);
  return o;
}

bool sameBits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}
}  // namespace

TEST_CASE(kernel_with_warm_memos_matches_a_fresh_kernel_every_call) {
  Kernel warm = makeKernel();
  int calls = 0;
  for (const Batch& b : servingSequence()) {
    Kernel fresh = makeKernel();  // nothing remembered
    const Output expected = run(fresh, b);
    const Output got = run(warm, b);
    EXPECT_EQ(got.ns, expected.ns);
    EXPECT_TRUE(sameBits(got.counters, expected.counters));
    EXPECT_TRUE(sameBits(got.breakdown, expected.breakdown));
    ++calls;
  }
  EXPECT_TRUE(calls > 250);
}

TEST_CASE(kernel_memo_sees_tables_replaced_after_use) {
  Kernel k = makeKernel();
  const Batch b{{1, 1, 1}, {10, 20, 30}, 0};
  const Output before = run(k, b);
  k.setTable(kQkvProj, table({1, 2, 3, 4, 8, 16, 20, 24, 64, 128, 256, 512}, 90000, 3.5));  // same grid, slower
  const Output after = run(k, b);
  EXPECT_TRUE(after.breakdown[kQkvProj] > before.breakdown[kQkvProj] + 80000);
  EXPECT_EQ(after.breakdown[kQkvProj], static_cast<double>(static_cast<int64_t>(90000 + 3.5 * 3 + 3 * 3.0)));
}

TEST_CASE(attention_lookups_through_one_memo_match_fresh_lookups) {
  const AttentionTable t = attention();
  AttentionTable::Memo memo;
  Rng rng{11};
  const double pcs[] = {0, 16, 40, 64, 300}, kps[] = {0, 64, 128, 600}, nds[] = {0, 1, 3, 4, 9};
  double pc = 0, kp = 0, nd = 1;
  for (int i = 0; i < 2000; ++i) {
    // Mostly kv_decode moves (the serving pattern); sometimes the other axes change.
    if (rng.range(0, 3) == 0) pc = pcs[rng.range(0, 4)];
    if (rng.range(0, 3) == 0) kp = kps[rng.range(0, 3)];
    if (rng.range(0, 3) == 0) nd = nds[rng.range(0, 4)];
    const double kv = rng.range(0, 1400);
    bool outsideMemo = false, outsideFresh = true;
    const double a = t.blend(pc, kp, nd, kv, outsideMemo, memo);
    const double b = t.blend(pc, kp, nd, kv, outsideFresh);
    EXPECT_TRUE(std::memcmp(&a, &b, sizeof a) == 0);
    EXPECT_EQ(outsideMemo, outsideFresh);
  }
}

TEST_CASE(one_position_serves_every_table_on_the_same_grid) {
  const std::vector<double> keys{1, 2, 3, 4, 8, 16, 20, 24, 64};
  const Table1D a = table(keys, 10, 1.5), b = table(keys, 99, 0.3);
  EXPECT_TRUE(a.sameKeys(b));
  EXPECT_TRUE(!a.sameKeys(table({1, 2, 3}, 0, 1)));
  for (double x : {-3.0, 0.0, 1.0, 2.5, 4.0, 17.0, 64.0, 65.5, 1000.0}) {
    const Table1D::Position p = a.position(x);
    bool outside = false;
    EXPECT_EQ(b.valueNs(p), b.lookupNs(x, outside));
    EXPECT_EQ(p.outside, outside);
  }
}

TEST_CASE(vector_batch_scan_matches_the_portable_scan) {
  Rng rng{5};
  for (int trial = 0; trial < 400; ++trial) {
    const int n = trial < 40 ? trial : rng.range(0, 600);
    std::vector<int32_t> add(n), before(n);
    for (int i = 0; i < n; ++i) {
      const int r = rng.range(0, 99);
      add[i] = r < 80 ? 1 : r < 88 ? 0 : r < 90 ? -rng.range(1, 5) : rng.range(2, 5000);
      const int v = rng.range(0, 99);
      before[i] = v < 2 ? INT32_MAX : v < 4 ? INT32_MIN : v < 8 ? -rng.range(1, 1000) : rng.range(0, 1 << 30);
    }
    const BatchShape a = describeBatch(add.data(), before.data(), n);
    const BatchShape b = describeBatchPortable(add.data(), before.data(), n);
    EXPECT_EQ(a.totalLen, b.totalLen);
    EXPECT_EQ(a.prefillChunk, b.prefillChunk);
    EXPECT_EQ(a.kvPrefill, b.kvPrefill);
    EXPECT_EQ(a.nPrefill, b.nPrefill);
    EXPECT_EQ(a.nDecode, b.nDecode);
    EXPECT_EQ(a.kvDecodeSum, b.kvDecodeSum);
    EXPECT_EQ(a.kvDecodeMean, b.kvDecodeMean);
    EXPECT_EQ(a.kvDecodeMax, b.kvDecodeMax);
    EXPECT_EQ(a.kvDecodeMin, b.kvDecodeMin);
    EXPECT_EQ(a.numSeqs, b.numSeqs);
    EXPECT_TRUE(std::memcmp(&a.attentionPairs, &b.attentionPairs, sizeof(double)) == 0);
    EXPECT_TRUE(std::memcmp(&a.kvTokensRead, &b.kvTokensRead, sizeof(double)) == 0);
  }
}
