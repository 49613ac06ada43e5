// N-API surface only: converts arguments and calls the plain C++ core in native/core.
#include <napi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "collectives.h"
#include "kernel.h"
#include "version.h"

namespace {

using servesim::Slot;

double num(const Napi::Object& o, const char* key, double fallback) {
  const Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

// A Float64Array property, copied into a vector (construction time only).
// Returns {} with a pending exception on a wrong type; every helper returns early while one is pending, so
// at most one exception is thrown.
std::vector<double> f64(const Napi::Object& o, const char* key) {
  if (o.Env().IsExceptionPending()) return {};
  const Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    NAPI_THROW(Napi::TypeError::New(o.Env(), std::string("expected Float64Array '") + key + "'"), {});
  }
  const Napi::Float64Array a = v.As<Napi::Float64Array>();
  return std::vector<double>(a.Data(), a.Data() + a.ElementLength());
}

// {keys: Float64Array, timeUs | timeNs: Float64Array} -> Table1D with integer-ns values.
servesim::Table1D table(const Napi::Value& value) {
  Napi::Env env = value.Env();
  if (env.IsExceptionPending()) return {};
  if (!value.IsObject()) NAPI_THROW(Napi::TypeError::New(env, "expected a table object {keys, timeUs | timeNs}"), {});
  const Napi::Object o = value.As<Napi::Object>();
  const std::vector<double> keys = f64(o, "keys");
  if (env.IsExceptionPending()) return {};
  const bool micros = o.Has("timeUs");
  std::vector<double> ns = f64(o, micros ? "timeUs" : "timeNs");
  if (env.IsExceptionPending()) return {};
  if (micros) {
    for (double& v : ns) v = static_cast<double>(servesim::microsToNs(v));
  }
  if (ns.size() != keys.size()) NAPI_THROW(Napi::RangeError::New(env, "keys and times differ in length"), {});
  return servesim::Table1D(keys.data(), ns.data(), keys.size());
}

std::vector<servesim::Table1D> tables(const Napi::Value& v) {
  std::vector<servesim::Table1D> out;
  if (!v.IsArray()) return out;
  const Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length() && !v.Env().IsExceptionPending(); ++i) out.push_back(table(a.Get(i)));
  return out;
}

// Column arrays of one table must have equal lengths (the core indexes them together).
bool sameLength(Napi::Env env, std::initializer_list<const std::vector<double>*> columns, const char* what) {
  if (env.IsExceptionPending()) return false;
  for (const auto* c : columns) {
    if (c->size() != (*columns.begin())->size()) {
      Napi::RangeError::New(env, std::string(what) + ": column arrays differ in length").ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

bool isTyped(const Napi::Value& v, napi_typedarray_type type) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == type;
}

// A layer slot index from JS, checked (an out-of-range slot would index past the kernel's arrays).
bool slotIndex(const Napi::Value& v, Slot& out) {
  if (!v.IsNumber()) return false;
  const int s = v.As<Napi::Number>().Int32Value();
  if (s < 0 || s >= servesim::kSlotCount) return false;
  out = static_cast<Slot>(s);
  return true;
}

servesim::KernelConfig kernelConfig(const Napi::Object& c) {
  servesim::KernelConfig k;
  const Napi::Object m = c.Get("model").As<Napi::Object>();
  k.model.hiddenSize = static_cast<int>(num(m, "hiddenSize", 0));
  k.model.numLayers = static_cast<int>(num(m, "numLayers", 0));
  k.model.numHeads = static_cast<int>(num(m, "numHeads", 0));
  k.model.numKvHeads = static_cast<int>(num(m, "numKvHeads", 0));
  k.model.headDim = static_cast<int>(num(m, "headDim", 0));
  k.model.intermediateSize = static_cast<int>(num(m, "intermediateSize", 0));
  k.model.vocabSize = static_cast<int>(num(m, "vocabSize", 0));
  k.model.qkNorm = m.Get("qkNorm").ToBoolean().Value();
  k.model.numExperts = static_cast<int>(num(m, "numExperts", 0));
  k.model.expertsPerToken = static_cast<int>(num(m, "expertsPerToken", 0));
  k.model.expertIntermediateSize = static_cast<int>(num(m, "expertIntermediateSize", 0));
  k.model.numSharedExperts = static_cast<int>(num(m, "numSharedExperts", 0));
  k.model.sharedExpertIntermediateSize = static_cast<int>(num(m, "sharedExpertIntermediateSize", 0));
  const Napi::Object p = c.Get("precision").As<Napi::Object>();
  k.precision.weightBytes = num(p, "weightBytes", 2);
  k.precision.kvBytes = num(p, "kvBytes", 2);
  k.precision.activationBytes = num(p, "activationBytes", 2);
  k.ioBytesPerElement = num(c, "ioBytesPerElement", k.precision.weightBytes);
  const Napi::Object d = c.Get("device").As<Napi::Object>();
  k.device.peakFlopsPerNs = num(d, "peakFlopsPerNs", 0);
  k.device.memBytesPerNs = num(d, "memBytesPerNs", 0);
  k.device.computeEfficiency = num(d, "computeEfficiency", k.device.computeEfficiency);
  k.device.memoryEfficiency = num(d, "memoryEfficiency", k.device.memoryEfficiency);
  k.device.launchOverheadNs = num(d, "launchOverheadNs", k.device.launchOverheadNs);
  k.tp = static_cast<int>(num(c, "tp", 1));
  k.ep = static_cast<int>(num(c, "ep", 1));
  k.pp = static_cast<int>(num(c, "pp", 1));
  k.moeImbalance = num(c, "moeImbalance", 1.0);
  k.pdPrefill = c.Get("pdPrefill").ToBoolean().Value();
  if (c.Get("network").IsObject()) {
    const Napi::Object n = c.Get("network").As<Napi::Object>();
    k.hasNetwork = true;
    k.network = servesim::networkFromConfig(num(n, "linkBandwidthGBps", 0), num(n, "linkLatencyNs", 0),
                                            num(n, "npuMemBandwidthGBps", 0));
  }
  if (c.Get("hostMemory").IsObject()) {
    const Napi::Object h = c.Get("hostMemory").As<Napi::Object>();
    k.hostMemory = {true, num(h, "bandwidthGBps", 0), num(h, "latencyNs", 0)};
  }
  return k;
}

// {devices: [{bandwidthGBps, latencyNs}], hostDevice, numBlocks, deviceOf: Int32Array(numBlocks x slots),
//  slotBytes: Float64Array(slots)} -> WeightPlacement (weights on cpu/cxl memory, README §2.4).
servesim::WeightPlacement weightPlacement(const Napi::Object& o) {
  Napi::Env env = o.Env();
  const int numBlocks = static_cast<int>(num(o, "numBlocks", 0));
  const Napi::Value dv = o.Get("deviceOf");
  const std::vector<double> bytes = f64(o, "slotBytes");
  if (env.IsExceptionPending()) return {};
  if (!isTyped(dv, napi_int32_array) || numBlocks < 1 ||
      dv.As<Napi::Int32Array>().ElementLength() != static_cast<std::size_t>(numBlocks) * servesim::kSlotCount ||
      bytes.size() != static_cast<std::size_t>(servesim::kSlotCount) || !o.Get("devices").IsArray()) {
    NAPI_THROW(Napi::TypeError::New(env, "weightPlacement: expected devices[], numBlocks >= 1, deviceOf Int32Array(numBlocks x " +
                                             std::to_string(servesim::kSlotCount) + ") and slotBytes Float64Array(" +
                                             std::to_string(servesim::kSlotCount) + ")"),
               {});
  }
  std::vector<servesim::MemoryDevice> devices;
  const Napi::Array a = o.Get("devices").As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    if (!a.Get(i).IsObject()) NAPI_THROW(Napi::TypeError::New(env, "weightPlacement.devices[] entries must be objects"), {});
    const Napi::Object d = a.Get(i).As<Napi::Object>();
    const servesim::MemoryDevice m{num(d, "bandwidthGBps", 0), num(d, "latencyNs", 0)};
    if (!(m.bytesPerNs > 0) || !(m.latencyNs >= 0)) {
      NAPI_THROW(Napi::RangeError::New(env, "weightPlacement.devices[]: bandwidthGBps must be > 0 and latencyNs >= 0"), {});
    }
    devices.push_back(m);
  }
  return servesim::WeightPlacement(std::move(devices), static_cast<int>(num(o, "hostDevice", -1)), numBlocks,
                                   dv.As<Napi::Int32Array>().Data(), bytes.data());
}

class KernelWrap : public Napi::ObjectWrap<KernelWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Kernel",
                       {InstanceMethod("iterate", &KernelWrap::Iterate), InstanceMethod("totals", &KernelWrap::Totals),
                        InstanceMethod("sources", &KernelWrap::Sources),
                        InstanceMethod("kvTransferNs", &KernelWrap::KvTransferNs),
                        InstanceMethod("kvBytes", &KernelWrap::KvBytes)});
  }

  explicit KernelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<KernelWrap>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) NAPI_THROW_VOID(Napi::TypeError::New(env, "Kernel(config) expects an object"));
    const Napi::Object c = info[0].As<Napi::Object>();
    if (!c.Get("model").IsObject() || !c.Get("precision").IsObject() || !c.Get("device").IsObject()) {
      NAPI_THROW_VOID(Napi::TypeError::New(env, "Kernel(config) needs config.model, config.precision and config.device"));
    }
    const servesim::KernelConfig config = kernelConfig(c);
    if (env.IsExceptionPending()) return;
    if (config.pp < 1 || config.pp > servesim::kMaxPipelineStages || config.pp > std::max(1, config.model.numLayers)) {
      NAPI_THROW_VOID(Napi::RangeError::New(env, "pp must be 1.." + std::to_string(servesim::kMaxPipelineStages) +
                                                     " and at most the number of layers"));
    }
    kernel_ = std::make_unique<servesim::Kernel>(config);
    if (c.Get("tables").IsArray()) {
      const Napi::Array a = c.Get("tables").As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) {
        const Napi::Value tv = a.Get(i);
        if (!tv.IsObject()) NAPI_THROW_VOID(Napi::TypeError::New(env, "tables[] entries must be objects"));
        const Napi::Object t = tv.As<Napi::Object>();
        Slot slot;
        if (!slotIndex(t.Get("slot"), slot)) NAPI_THROW_VOID(Napi::RangeError::New(env, "tables[].slot out of range"));
        servesim::Table1D parsed = table(t);
        if (env.IsExceptionPending()) return;
        kernel_->setTable(slot, std::move(parsed));
      }
    }
    if (c.Get("missing").IsArray()) {
      const Napi::Array a = c.Get("missing").As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) {
        Slot slot;
        if (!slotIndex(a.Get(i), slot)) NAPI_THROW_VOID(Napi::RangeError::New(env, "missing[] slot out of range"));
        kernel_->setMissing(slot);
      }
    }
    if (c.Get("attention").IsObject()) {
      const Napi::Object a = c.Get("attention").As<Napi::Object>();
      const auto pc = f64(a, "prefillChunk"), kp = f64(a, "kvPrefill"), nd = f64(a, "nDecode"), kv = f64(a, "kvDecode");
      std::vector<double> ns = f64(a, "timeUs");
      if (!sameLength(env, {&pc, &kp, &nd, &kv, &ns}, "attention")) return;
      for (double& v : ns) v = static_cast<double>(servesim::microsToNs(v));
      kernel_->setAttention(servesim::AttentionTable(pc.data(), kp.data(), nd.data(), kv.data(), ns.data(), ns.size()));
    }
    if (c.Get("moe").IsObject()) {
      const Napi::Object a = c.Get("moe").As<Napi::Object>();
      const auto tokens = f64(a, "tokens"), activated = f64(a, "activatedExperts");
      std::vector<double> ns = f64(a, "timeUs");
      if (!sameLength(env, {&tokens, &activated, &ns}, "moe")) return;
      for (double& v : ns) v = static_cast<double>(servesim::microsToNs(v));
      kernel_->setMoe(servesim::MoeTable(tokens.data(), activated.data(), ns.data(), ns.size()));
    }
    if (c.Get("skew").IsObject()) {
      const Napi::Object s = c.Get("skew").As<Napi::Object>();
      servesim::SkewBins bins{f64(s, "nBins"), f64(s, "skewRateBins"), f64(s, "kvBigBins"), f64(s, "kpBins")};
      if (env.IsExceptionPending()) return;
      servesim::SkewFit fit(bins, num(s, "alphaDefault", 0), s.Get("hasTpEntry").ToBoolean().Value());
      if (s.Get("buckets").IsObject()) {
        const Napi::Object b = s.Get("buckets").As<Napi::Object>();
        const auto pc = f64(b, "pc"), n = f64(b, "n"), sr = f64(b, "sr"), kvb = f64(b, "kvb"), kp = f64(b, "kp");
        const auto alpha = f64(b, "alpha");
        if (!sameLength(env, {&pc, &n, &sr, &kvb, &kp, &alpha}, "skew buckets")) return;
        for (std::size_t i = 0; i < alpha.size(); ++i) {
          fit.addBucket(static_cast<int64_t>(pc[i]), static_cast<int>(n[i]), static_cast<int>(sr[i]),
                        static_cast<int>(kvb[i]), static_cast<int>(kp[i]), alpha[i]);
        }
      }
      if (env.IsExceptionPending()) return;
      kernel_->setSkew(std::move(fit));
    }
    if (c.Get("v021").IsObject()) {
      const Napi::Object v = c.Get("v021").As<Napi::Object>();
      servesim::V021Tables t;
      // Stop at the first bad entry: no N-API call may run while an exception is pending.
      for (auto [key, dest] : {std::pair{"prologue", &t.prologue}, {"block", &t.block}, {"head", &t.head}}) {
        *dest = tables(v.Get(key));
        if (env.IsExceptionPending()) return;
      }
      for (auto [key, dest] : {std::pair{"ropePrefill", &t.ropePrefill}, {"ropeDecode", &t.ropeDecode},
                               {"attnPrefill", &t.attnPrefill}, {"attnDecode", &t.attnDecode}}) {
        *dest = table(v.Get(key));
        if (env.IsExceptionPending()) return;
      }
      kernel_->setV021(std::move(t));
    }
    if (c.Get("weightPlacement").IsObject()) {
      servesim::WeightPlacement placement = weightPlacement(c.Get("weightPlacement").As<Napi::Object>());
      if (env.IsExceptionPending()) return;
      kernel_->setWeightPlacement(std::move(placement));
    }
    // The typed arrays are bound once: iterate(n) reads and writes them in place (keep them alive here).
    if (!c.Get("buffers").IsObject()) NAPI_THROW_VOID(Napi::TypeError::New(env, "Kernel(config) needs config.buffers"));
    const Napi::Object b = c.Get("buffers").As<Napi::Object>();
    if (!isTyped(b.Get("newTokens"), napi_int32_array) || !isTyped(b.Get("computedBefore"), napi_int32_array) ||
        !isTyped(b.Get("counters"), napi_float64_array) || !isTyped(b.Get("breakdown"), napi_float64_array)) {
      NAPI_THROW_VOID(Napi::TypeError::New(
          env, "buffers: newTokens and computedBefore must be Int32Array, counters and breakdown Float64Array"));
    }
    newTokensRef_ = Napi::Persistent(b.Get("newTokens").As<Napi::Int32Array>());
    computedBeforeRef_ = Napi::Persistent(b.Get("computedBefore").As<Napi::Int32Array>());
    countersRef_ = Napi::Persistent(b.Get("counters").As<Napi::Float64Array>());
    breakdownRef_ = Napi::Persistent(b.Get("breakdown").As<Napi::Float64Array>());
    newTokens_ = newTokensRef_.Value().Data();
    computedBefore_ = computedBeforeRef_.Value().Data();
    capacity_ = std::min(newTokensRef_.Value().ElementLength(), computedBeforeRef_.Value().ElementLength());
    if (countersRef_.Value().ElementLength() < servesim::kCounterCount ||
        breakdownRef_.Value().ElementLength() < servesim::kBreakdownSize) {
      NAPI_THROW_VOID(Napi::RangeError::New(env, "counters or breakdown array too short"));
    }
    counters_ = countersRef_.Value().Data();
    breakdown_ = breakdownRef_.Value().Data();
    // Optional [padded total_len, padded num_seqs] of a DP-group member (README §2.7), read at every iterate().
    if (b.Has("dpPad")) {
      if (!isTyped(b.Get("dpPad"), napi_int32_array) || b.Get("dpPad").As<Napi::Int32Array>().ElementLength() < 2) {
        NAPI_THROW_VOID(Napi::TypeError::New(env, "buffers.dpPad must be an Int32Array of 2"));
      }
      dpPadRef_ = Napi::Persistent(b.Get("dpPad").As<Napi::Int32Array>());
      dpPad_ = dpPadRef_.Value().Data();
    }
    // Optional [count, sum, min, max of computed_before] of decode rows given as totals (a scheduler's decode
    // group), read at every iterate(); count 0 = none.
    if (b.Has("decodeGroup")) {
      if (!isTyped(b.Get("decodeGroup"), napi_float64_array) || b.Get("decodeGroup").As<Napi::Float64Array>().ElementLength() < 4) {
        NAPI_THROW_VOID(Napi::TypeError::New(env, "buffers.decodeGroup must be a Float64Array of 4"));
      }
      decodeGroupRef_ = Napi::Persistent(b.Get("decodeGroup").As<Napi::Float64Array>());
      decodeGroup_ = decodeGroupRef_.Value().Data();
    }
  }

 private:
  Napi::Value Iterate(const Napi::CallbackInfo& info) {
    if (!info[0].IsNumber()) NAPI_THROW(Napi::TypeError::New(info.Env(), "iterate(n) expects a number"), {});
    const int64_t n = info[0].As<Napi::Number>().Int64Value();
    if (n < 0 || static_cast<std::size_t>(n) > capacity_) {
      NAPI_THROW(Napi::RangeError::New(info.Env(), "iterate(n): n is outside 0.." + std::to_string(capacity_)), {});
    }
    servesim::DecodeRows group;
    const bool grouped = decodeGroup_ != nullptr && decodeGroup_[0] > 0;
    if (grouped) {
      group.count = static_cast<int64_t>(decodeGroup_[0]);
      group.sumBefore = static_cast<int64_t>(decodeGroup_[1]);
      group.minBefore = static_cast<int64_t>(decodeGroup_[2]);
      group.maxBefore = static_cast<int64_t>(decodeGroup_[3]);
    }
    const int64_t ns = kernel_->iterate(newTokens_, computedBefore_, static_cast<int>(n), counters_, breakdown_,
                                        dpPad_ ? dpPad_[0] : 0, dpPad_ ? dpPad_[1] : 0, grouped ? &group : nullptr);
    return Napi::Number::New(info.Env(), static_cast<double>(ns));
  }

  Napi::Value Totals(const Napi::CallbackInfo& info) {
    const servesim::KernelTotals& t = kernel_->totals();
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("calls", t.calls);
    o.Set("lookups", t.lookups);
    o.Set("extrapolated", t.extrapolated);
    o.Set("roofline", t.roofline);
    return o;
  }

  // P/D hand-off of a request's K/V (not per batch): kvTransferNs(tokens) -> integer ns, kvBytes(tokens) -> bytes per rank.
  Napi::Value KvTransferNs(const Napi::CallbackInfo& info) {
    if (!info[0].IsNumber()) NAPI_THROW(Napi::TypeError::New(info.Env(), "kvTransferNs(tokens) expects a number"), {});
    return Napi::Number::New(info.Env(), static_cast<double>(kernel_->kvTransferNs(info[0].As<Napi::Number>().Int64Value())));
  }
  Napi::Value KvBytes(const Napi::CallbackInfo& info) {
    if (!info[0].IsNumber()) NAPI_THROW(Napi::TypeError::New(info.Env(), "kvBytes(tokens) expects a number"), {});
    return Napi::Number::New(info.Env(), kernel_->kvBytes(info[0].As<Napi::Number>().Int64Value()));
  }

  // Per slot: 0 absent, 1 table, 2 roofline, 3 missing layer.
  Napi::Value Sources(const Napi::CallbackInfo& info) {
    Napi::Array a = Napi::Array::New(info.Env(), servesim::kSlotCount);
    for (int s = 0; s < servesim::kSlotCount; ++s) a.Set(s, static_cast<int>(kernel_->source(static_cast<Slot>(s))));
    return a;
  }

  std::unique_ptr<servesim::Kernel> kernel_;
  Napi::Reference<Napi::Int32Array> newTokensRef_, computedBeforeRef_, dpPadRef_;
  const int32_t* dpPad_ = nullptr;
  Napi::Reference<Napi::Float64Array> decodeGroupRef_;
  const double* decodeGroup_ = nullptr;
  Napi::Reference<Napi::Float64Array> countersRef_, breakdownRef_;
  const int32_t* newTokens_ = nullptr;
  const int32_t* computedBefore_ = nullptr;
  double* counters_ = nullptr;
  double* breakdown_ = nullptr;
  std::size_t capacity_ = 0;
};

Napi::Value KernelVersion(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), servesim::kKernelVersion);
}

// collectiveNs(kind, bytes, p, linkBandwidthGBps, linkLatencyNs, npuMemBandwidthGBps) -> ns (float).
Napi::Value CollectiveNs(const Napi::CallbackInfo& info) {
  const std::string kind = info[0].As<Napi::String>().Utf8Value();
  const double bytes = info[1].As<Napi::Number>().DoubleValue();
  const int p = info[2].As<Napi::Number>().Int32Value();
  const servesim::Network net = servesim::networkFromConfig(
      info[3].As<Napi::Number>().DoubleValue(), info[4].As<Napi::Number>().DoubleValue(),
      info[5].As<Napi::Number>().DoubleValue());
  double ns;
  if (kind == "allReduce") ns = servesim::allReduceNs(bytes, p, net);
  else if (kind == "allGather") ns = servesim::allGatherNs(bytes, p, net);
  else if (kind == "reduceScatter") ns = servesim::reduceScatterNs(bytes, p, net);
  else if (kind == "allToAll") ns = servesim::allToAllNs(bytes, p, net);
  else if (kind == "pointToPoint") ns = servesim::pointToPointNs(bytes, net);
  else NAPI_THROW(Napi::TypeError::New(info.Env(), "unknown collective '" + kind + "'"), {});
  return Napi::Number::New(info.Env(), ns);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("kernelVersion", Napi::Function::New(env, KernelVersion));
  exports.Set("collectiveNs", Napi::Function::New(env, CollectiveNs));
  exports.Set("Kernel", KernelWrap::Define(env));
  Napi::Object layout = Napi::Object::New(env);
  layout.Set("counters", static_cast<int>(servesim::kCounterCount));
  layout.Set("breakdown", static_cast<int>(servesim::kBreakdownSize));
  layout.Set("slots", static_cast<int>(servesim::kSlotCount));
  layout.Set("stageNs", static_cast<int>(servesim::kStageNs));
  layout.Set("maxStages", servesim::kMaxPipelineStages);
  exports.Set("layout", layout);
  return exports;
}

}  // namespace

NODE_API_MODULE(servesim, Init)
