#include "collectives.h"

#include <cmath>

namespace servesim {

Network networkFromConfig(double linkBandwidthGBps, double linkLatencyNs, double npuMemBandwidthGBps) {
  return {linkBandwidthGBps * 1073741824.0 / 1e9, linkLatencyNs, npuMemBandwidthGBps};
}

namespace {
constexpr double kMemPassEndpointNs = 5.0;
constexpr double kCollectiveNs = 10.0;
// One transfer of `bytes` at `bytesPerNs` completes at the next integer ns tick.
double transferNs(double bytes, double bytesPerNs) { return std::floor(bytes / bytesPerNs) + 1.0; }
double ringNs(double bytes, int p, const Network& net, int linkSteps, int memPasses) {
  if (p <= 1) return 0.0;
  const double chunk = bytes / p;
  return linkSteps * (net.linkLatencyNs + transferNs(chunk, net.linkBytesPerNs)) +
         memPasses * (transferNs(chunk, net.localMemBytesPerNs) + kMemPassEndpointNs) + kCollectiveNs;
}
}  // namespace

double allReduceNs(double bytes, int p, const Network& net) { return ringNs(bytes, p, net, 2 * (p - 1), 3 * (p - 1)); }
double allReduceFirstStepNs(double bytes, int p, const Network& net) {
  if (p != 2) return 0.0;
  const double chunk = bytes / p;
  return net.linkLatencyNs + transferNs(chunk, net.linkBytesPerNs) + transferNs(chunk, net.localMemBytesPerNs) +
         kMemPassEndpointNs + 1.0;
}
double reduceScatterNs(double bytes, int p, const Network& net) { return ringNs(bytes, p, net, p - 1, 2 * (p - 1)); }
double allGatherNs(double bytes, int p, const Network& net) { return ringNs(bytes, p, net, p - 1, p - 1); }
double allToAllNs(double bytes, int p, const Network& net) {
  if (p <= 1) return 0.0;
  return (p - 1) * (net.linkLatencyNs + (bytes / p) / net.linkBytesPerNs);
}
double pointToPointNs(double bytes, const Network& net) { return net.linkLatencyNs + bytes / net.linkBytesPerNs; }
int64_t sendNs(double bytes, const Network& net) {
  return std::llround(net.linkLatencyNs) + static_cast<int64_t>(std::ceil(bytes / net.linkBytesPerNs));
}

int64_t pipelineSendNs(double bytes, const Network& net) {
  return std::llround(net.linkLatencyNs) + static_cast<int64_t>(std::floor(bytes / net.linkBytesPerNs));
}

double allReduceWireBytes(double bytes, int p) { return p <= 1 ? 0.0 : 2.0 * (p - 1) * bytes / p; }

}  // namespace servesim
