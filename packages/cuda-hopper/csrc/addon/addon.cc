// Node-API surface of the megakernel: probe() and class Session, the device handle (see session.h;
// TypeScript's CudaDevice; the name is the ABI and stays). Module init only
// registers functions: no CUDA call runs until JS asks, so a missing driver or GPU is reported by
// probe() as data and by Session's constructor as a JS error, never a crash.
#include <napi.h>

#include <cstring>
#include <exception>
#include <memory>
#include <vector>

#include "../session.h"

// Both come from package.json through CMakeLists.txt, so the loader can refuse a binary built for
// another surface or another release before it calls anything else.
#ifndef MK_ADDON_ABI
#error "MK_ADDON_ABI is not defined: build with CMakeLists.txt, which reads it from package.json"
#endif
#ifndef MK_PACKAGE_VERSION
#error "MK_PACKAGE_VERSION is not defined: build with CMakeLists.txt, which reads it from package.json"
#endif

namespace {

using mk::Session;

Napi::Object deviceObject(Napi::Env env, const mk::DeviceInfo& d) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", d.index);
  o.Set("name", d.name);
  o.Set("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
  o.Set("smCount", d.smCount);
  o.Set("memoryBytes", double(d.memoryBytes));
  o.Set("l2Bytes", double(d.l2Bytes));
  o.Set("sharedPerBlockOptin", d.sharedPerBlockOptin);
  o.Set("clockKHz", d.clockKHz);
  o.Set("memoryClockKHz", d.memoryClockKHz);
  o.Set("busWidthBits", d.busWidthBits);
  o.Set("cooperativeLaunch", d.cooperativeLaunch);
  return o;
}

Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  try {
    const mk::ProbeResult r = mk::probe();
    o.Set("ok", r.ok);
    o.Set("error", r.error);
    o.Set("driverVersion", r.driverVersion);
    o.Set("runtimeVersion", r.runtimeVersion);
    Napi::Array devs = Napi::Array::New(env, r.devices.size());
    for (size_t i = 0; i < r.devices.size(); ++i) devs.Set(uint32_t(i), deviceObject(env, r.devices[i]));
    o.Set("devices", devs);
    o.Set("kernelSharedBytes", double(r.kernelSharedBytes));
    o.Set("kernelThreads", r.kernelThreads);
  } catch (const std::exception& e) {
    o.Set("ok", false);
    o.Set("error", std::string("probe failed: ") + e.what());
  }
  return o;
}

// Bytes of any ArrayBufferView (Uint8Array, Uint16Array, Float32Array, ...).
struct Bytes {
  const uint8_t* data;
  size_t size;
};
Bytes bytesOf(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a typed array");
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  Napi::ArrayBuffer buf = t.ArrayBuffer();
  return {static_cast<const uint8_t*>(buf.Data()) + t.ByteOffset(), t.ByteLength()};
}

uint64_t u64(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0 || double(uint64_t(d)) != d) {
    throw Napi::RangeError::New(v.Env(), std::string(what) + " must be a non-negative integer");
  }
  return uint64_t(d);
}

Napi::Object statusObject(Napi::Env env, const mk::KernelStatus& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", s.code);
  o.Set("queue", s.sm);
  o.Set("instruction", s.instr);
  o.Set("step", s.step);
  o.Set("opcode", s.opcode);
  o.Set("counter", s.counter);
  o.Set("threshold", s.threshold);
  o.Set("seen", s.seen);
  o.Set("detail", s.detail);
  return o;
}

class SessionWrap : public Napi::ObjectWrap<SessionWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Session",
                       {
                           InstanceMethod("info", &SessionWrap::Info),
                           InstanceMethod("allocWeights", &SessionWrap::AllocWeights),
                           InstanceMethod("writeWeights", &SessionWrap::WriteWeights),
                           InstanceMethod("readWeights", &SessionWrap::ReadWeights),
                           InstanceMethod("fillWeightsRandom", &SessionWrap::FillWeightsRandom),
                           InstanceMethod("loadProgram", &SessionWrap::LoadProgram),
                           InstanceMethod("swapQueues", &SessionWrap::SwapQueues),
                           InstanceMethod("writeState", &SessionWrap::WriteState),
                           InstanceMethod("readState", &SessionWrap::ReadState),
                           InstanceMethod("fillState", &SessionWrap::FillState),
                           InstanceMethod("zeroCounters", &SessionWrap::ZeroCounters),
                           InstanceMethod("readCounters", &SessionWrap::ReadCounters),
                           InstanceMethod("run", &SessionWrap::Run),
                           InstanceMethod("readTimings", &SessionWrap::ReadTimings),
                           InstanceMethod("copyBandwidth", &SessionWrap::CopyBandwidth),
                           InstanceMethod("close", &SessionWrap::Close),
                       });
  }

  explicit SessionWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SessionWrap>(info) {
    const int device = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
    guard(info.Env(), [&] { session_ = std::make_unique<Session>(device); });
  }

 private:
  template <class F>
  static void guard(Napi::Env env, F&& f) {
    try {
      f();
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, e.what());
    }
  }
  Session& s(Napi::Env env) {
    if (!session_) {
      Napi::Error e = Napi::Error::New(env, "the CUDA device handle is closed: close() freed its memory");
      e.Value().Set("code", "ERR_MEGAKERNEL_CLOSED");
      throw e;
    }
    return *session_;
  }

  Napi::Value Info(const Napi::CallbackInfo& info) { return deviceObject(info.Env(), s(info.Env()).info()); }

  Napi::Value AllocWeights(const Napi::CallbackInfo& info) {
    const uint64_t bytes = u64(info[0], "bytes");
    guard(info.Env(), [&] { s(info.Env()).allocWeights(bytes); });
    return info.Env().Undefined();
  }
  Napi::Value WriteWeights(const Napi::CallbackInfo& info) {
    const uint64_t off = u64(info[0], "offset");
    const Bytes b = bytesOf(info[1], "data");
    guard(info.Env(), [&] { s(info.Env()).writeWeights(off, b.data, b.size); });
    return info.Env().Undefined();
  }
  Napi::Value ReadWeights(const Napi::CallbackInfo& info) {
    const uint64_t off = u64(info[0], "offset"), n = u64(info[1], "bytes");
    Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), n);
    guard(info.Env(), [&] { s(info.Env()).readWeights(off, out.Data(), n); });
    return out;
  }
  Napi::Value FillWeightsRandom(const Napi::CallbackInfo& info) {
    const uint64_t off = u64(info[0], "offset"), count = u64(info[1], "count");
    const int dtype = int(u64(info[2], "dtype"));
    const uint32_t seed = uint32_t(u64(info[3], "seed"));
    const float scale = info[4].As<Napi::Number>().FloatValue(), center = info[5].As<Napi::Number>().FloatValue();
    guard(info.Env(), [&] { s(info.Env()).fillWeightsRandom(off, count, dtype, seed, scale, center); });
    return info.Env().Undefined();
  }
  Napi::Value LoadProgram(const Napi::CallbackInfo& info) { return programCall(info, false); }
  Napi::Value SwapQueues(const Napi::CallbackInfo& info) { return programCall(info, true); }
  // loadProgram / swapQueues(table, queues, queueLens, counterCount, stateBytes).
  Napi::Value programCall(const Napi::CallbackInfo& info, bool swap) {
    const Bytes table = bytesOf(info[0], "tensor table");
    const Bytes queues = bytesOf(info[1], "queues");
    const Bytes lens = bytesOf(info[2], "queue lengths (Uint32Array)");
    const uint32_t counters = uint32_t(u64(info[3], "counterCount"));
    const uint64_t stateBytes = u64(info[4], "stateBytes");
    std::vector<uint32_t> ql(lens.size / 4);
    std::memcpy(ql.data(), lens.data, ql.size() * 4);
    uint64_t total = 0;
    for (uint32_t n : ql) total += n;
    if (total * 64 != queues.size) throw Napi::RangeError::New(info.Env(), "queues: byte length != 64 * sum(queue lengths)");
    if (table.size % 32) throw Napi::RangeError::New(info.Env(), "tensor table: byte length is not a multiple of 32");
    guard(info.Env(), [&] {
      if (swap)
        s(info.Env()).swapQueues(table.data, uint32_t(table.size / 32), queues.data, ql, counters, stateBytes);
      else
        s(info.Env()).loadProgram(table.data, uint32_t(table.size / 32), queues.data, ql, counters, stateBytes);
    });
    return info.Env().Undefined();
  }
  Napi::Value WriteState(const Napi::CallbackInfo& info) {
    const uint64_t off = u64(info[0], "offset");
    const Bytes b = bytesOf(info[1], "data");
    guard(info.Env(), [&] { s(info.Env()).writeState(off, b.data, b.size); });
    return info.Env().Undefined();
  }
  Napi::Value ReadState(const Napi::CallbackInfo& info) {
    const uint64_t off = u64(info[0], "offset"), n = u64(info[1], "bytes");
    Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), n);
    guard(info.Env(), [&] { s(info.Env()).readState(off, out.Data(), n); });
    return out;
  }
  Napi::Value FillState(const Napi::CallbackInfo& info) {
    const uint64_t off = u64(info[0], "offset"), n = u64(info[1], "bytes");
    const uint8_t v = uint8_t(u64(info[2], "value"));
    guard(info.Env(), [&] { s(info.Env()).fillState(off, n, v); });
    return info.Env().Undefined();
  }
  Napi::Value ZeroCounters(const Napi::CallbackInfo& info) {
    guard(info.Env(), [&] { s(info.Env()).zeroCounters(); });
    return info.Env().Undefined();
  }
  Napi::Value ReadCounters(const Napi::CallbackInfo& info) {
    const uint32_t n = uint32_t(u64(info[0], "count"));
    Napi::Uint32Array out = Napi::Uint32Array::New(info.Env(), n);
    guard(info.Env(), [&] { s(info.Env()).readCounters(out.Data(), n); });
    return out;
  }
  Napi::Value Run(const Napi::CallbackInfo& info) {
    const uint32_t steps = uint32_t(u64(info[0], "steps")), pos0 = uint32_t(u64(info[1], "pos0"));
    const uint32_t epoch0 = uint32_t(u64(info[2], "epoch0"));
    const bool timing = info[3].ToBoolean().Value();
    const uint64_t watchdogNs = u64(info[4], "watchdogNs");
    const uint32_t tokensPerStep = uint32_t(u64(info[5], "tokensPerStep"));
    mk::RunResult r;
    guard(info.Env(), [&] { r = s(info.Env()).run(steps, pos0, epoch0, timing, watchdogNs, tokensPerStep); });
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("elapsedMs", r.elapsedMs);
    o.Set("status", statusObject(info.Env(), r.status));
    return o;
  }
  Napi::Value ReadTimings(const Napi::CallbackInfo& info) {
    std::vector<uint8_t> t;
    guard(info.Env(), [&] { t = s(info.Env()).readTimings(); });
    Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), t.size());
    if (!t.empty()) std::memcpy(out.Data(), t.data(), t.size());
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("bytes", out);
    o.Set("queues", s(info.Env()).numQueues());
    o.Set("maxQueueLen", s(info.Env()).maxQueueLen());
    return o;
  }
  Napi::Value CopyBandwidth(const Napi::CallbackInfo& info) {
    const uint64_t bytes = u64(info[0], "bytes");
    const int it = int(u64(info[1], "iterations"));
    double gbs = 0;
    guard(info.Env(), [&] { gbs = s(info.Env()).copyBandwidth(bytes, it); });
    return Napi::Number::New(info.Env(), gbs);
  }
  // Frees the device memory, stream and staging buffers now (not at garbage collection); idempotent.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    session_.reset();
    return info.Env().Undefined();
  }

  std::unique_ptr<Session> session_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probe", Napi::Function::New(env, Probe));
  exports.Set("Session", SessionWrap::Define(env));
  exports.Set("abiVersion", Napi::Number::New(env, MK_ADDON_ABI));
  exports.Set("packageVersion", Napi::String::New(env, MK_PACKAGE_VERSION));
  return exports;
}

}  // namespace

NODE_API_MODULE(megakernel_cuda, Init)
