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

// Fixed per-collective overhead c_p: endpoint delays plus flooring, fitted on derived/allreduce_times.csv
// (c_2 ~ 26-29 ns, c_4 ~ 56-67 ns, README §3.6); linear in p through c_2 = 28 and c_4 = 65.2.
double collectiveOverheadNs(int p);

// Ring all-reduce of `bytes` over p ranks: 2(p-1) steps of bytes/p on the link, plus 3(p-1) local-memory passes
// of bytes/p (reduce-scatter reads and writes, all-gather writes), plus c_p (README §3.6; the step count of the
// ring is Thakur, Rabenseifner & Gropp 2005, "Optimization of Collective Communication Operations in MPICH").
double allReduceNs(double bytes, int p, const Network& net);
// Ring reduce-scatter: the first half of the all-reduce: (p-1) link steps and 2(p-1) memory passes of bytes/p.
double reduceScatterNs(double bytes, int p, const Network& net);
// Ring all-gather: the second half: (p-1) link steps and (p-1) memory passes of bytes/p. `bytes` = gathered size.
double allGatherNs(double bytes, int p, const Network& net);
// Pairwise-exchange all-to-all (Thakur et al. 2005): (p-1) steps, each sending bytes/p to one peer.
double allToAllNs(double bytes, int p, const Network& net);
// Point-to-point send of `bytes` over one link: latency + bytes / B_link.
double pointToPointNs(double bytes, const Network& net);

// Bytes one rank puts on the wire (README §10): all-reduce 2(p-1)S/p, all-gather / reduce-scatter (p-1)S/p.
double allReduceWireBytes(double bytes, int p);

}  // namespace servesim
