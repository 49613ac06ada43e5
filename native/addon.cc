// N-API surface only: converts arguments and calls the plain C++ core in native/core.
#include <napi.h>
#include "version.h"

static Napi::Value KernelVersion(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), servesim::kKernelVersion);
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("kernelVersion", Napi::Function::New(env, KernelVersion));
  return exports;
}

NODE_API_MODULE(servesim, Init)
