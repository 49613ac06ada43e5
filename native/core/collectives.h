#pragma once
// Collective communication cost: ring algorithms in the alpha-beta model, as ASTRA-Sim's analytical,
// congestion-unaware backend computes them (README §3.6). Sizes in bytes, times in ns.
#include <cstdint>

namespace servesim {

struct Network {
  double linkBytesPerNs;     // B_link = link_bw x 2^30 / 10^9: ASTRA-Sim reads the link's "GB/s" as GiB/s (§3.6)
  double linkLatencyNs;      // per hop
  double localMemBytesPerNs; // B_mem = npu_mem.mem_bw (decimal GB/s = bytes/ns), ASTRA-Sim local-mem-bw
};

// Build a Network from cluster-config numbers (link_bw in "GB/s" read as GiB/s, latency ns, npu_mem.mem_bw GB/s).
Network networkFromConfig(double linkBandwidthGBps, double linkLatencyNs, double npuMemBandwidthGBps);

// Ring collectives as ASTRA-Sim's analytical backend times them, in integer ns. A ring step sends one chunk
// (bytes/p) over the link: latency + floor(chunk / B_link) + 1; a local-memory pass over one chunk costs
// floor(chunk / B_mem) + 1 plus a 5 ns endpoint delay; each collective adds 10 ns. For the all-reduce
// (2(p-1) link steps, 3(p-1) memory passes) this reproduces every point of derived/allreduce_times.csv up to
// 128 KiB exactly and the 6-16 MiB points within 2.5 ns (README §3.6: AR = 2(p-1)(lat + (S/p)/B_link)
// + 3(p-1)(S/p)/B_mem + c_p, with c_p = 15(p-1) + 10 plus the rounding). The ring's step count is from
// Thakur, Rabenseifner & Gropp 2005, "Optimization of Collective Communication Operations in MPICH".
double allReduceNs(double bytes, int p, const Network& net);
// When the all-reduce's first ring step ends (ns from its start): one link step and one local-memory pass of a chunk,
// + 1 ns. ASTRA-Sim reports it as an event, at which LLMServingSim polls idle NPUs; fitted on LLMServingSim's
// example_tp_pp_run.csv (tp 2: that example matches every row with it, and not with 1 ns less or more). Known for
// p = 2 only: 0 (no event known) for other p.
double allReduceFirstStepNs(double bytes, int p, const Network& net);
// Ring reduce-scatter: (p-1) link steps and 2(p-1) memory passes (receive, reduce) of bytes/p.
double reduceScatterNs(double bytes, int p, const Network& net);
// Ring all-gather: (p-1) link steps and (p-1) memory passes of bytes/p. `bytes` = gathered size.
double allGatherNs(double bytes, int p, const Network& net);
// Pairwise-exchange all-to-all (Thakur et al. 2005): (p-1) steps, each sending bytes/p to one peer (alpha-beta).
double allToAllNs(double bytes, int p, const Network& net);
// Point-to-point send of `bytes` over one link: latency + bytes / B_link (alpha-beta).
double pointToPointNs(double bytes, const Network& net);
// The same send in integer ns as the engine charges it: round(latency) + ceil(bytes / B_link) (the serving layer's
// P/D transfer, src/serving/disaggregation.ts, uses the same rule).
int64_t sendNs(double bytes, const Network& net);
// A pipeline stage's send of the hidden state to the next stage, as ASTRA-Sim's backend times it in LLMServingSim 2.0:
// round(latency) + floor(bytes / B_link). LLMServingSim's example_pp_run.csv and example_tp_pp_run.csv (reference
// README §7.3) show it: a lone 10-token prefill pays 3 (pp 4) and 1 (pp 2) ns less than with the ceiling.
int64_t pipelineSendNs(double bytes, const Network& net);

// Bytes one rank puts on the wire (README §10): all-reduce 2(p-1)S/p, all-gather / reduce-scatter (p-1)S/p.
double allReduceWireBytes(double bytes, int p);

}  // namespace servesim
