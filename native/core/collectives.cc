#include "collectives.h"

namespace servesim {

Network networkFromConfig(double linkBandwidthGBps, double linkLatencyNs, double npuMemBandwidthGBps) {
  return {linkBandwidthGBps * 1073741824.0 / 1e9, linkLatencyNs, npuMemBandwidthGBps};
}

double collectiveOverheadNs(int p) { return p <= 1 ? 0.0 : 28.0 + 18.6 * (p - 2); }

namespace {
// `linkSteps` ring steps of one chunk each on the link, `memPasses` local-memory passes of one chunk.
double ringNs(double bytes, int p, const Network& net, int linkSteps, int memPasses, double overheadNs) {
  if (p <= 1) return 0.0;
  const double chunk = bytes / p;
  return linkSteps * (net.linkLatencyNs + chunk / net.linkBytesPerNs) + memPasses * chunk / net.localMemBytesPerNs +
         overheadNs;
}
}  // namespace

double allReduceNs(double bytes, int p, const Network& net) {
  return ringNs(bytes, p, net, 2 * (p - 1), 3 * (p - 1), collectiveOverheadNs(p));
}
double reduceScatterNs(double bytes, int p, const Network& net) {
  return ringNs(bytes, p, net, p - 1, 2 * (p - 1), collectiveOverheadNs(p) / 2);
}
double allGatherNs(double bytes, int p, const Network& net) {
  return ringNs(bytes, p, net, p - 1, p - 1, collectiveOverheadNs(p) / 2);
}
double allToAllNs(double bytes, int p, const Network& net) {
  if (p <= 1) return 0.0;
  return (p - 1) * (net.linkLatencyNs + (bytes / p) / net.linkBytesPerNs);
}
double pointToPointNs(double bytes, const Network& net) { return net.linkLatencyNs + bytes / net.linkBytesPerNs; }

double allReduceWireBytes(double bytes, int p) { return p <= 1 ? 0.0 : 2.0 * (p - 1) * bytes / p; }

}  // namespace servesim
