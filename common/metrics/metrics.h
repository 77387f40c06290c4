#pragma once
// Prometheus metrics for both services. This is the only place prometheus-cpp is
// included: services hold the small handle types below. Increments are atomic and
// cheap enough for API handlers; the DNS hot path keeps per-thread counters instead
// and adds them at scrape time through a TextCollector.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace mcns::metrics {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void inc(double v = 1) noexcept;
  double value() const noexcept;

 private:
  friend class Registry;
  void* impl_ = nullptr;
};

class Gauge {
 public:
  void set(double v) noexcept;
  void inc(double v = 1) noexcept;
  void dec(double v = 1) noexcept;
  double value() const noexcept;

 private:
  friend class Registry;
  void* impl_ = nullptr;
};

class Histogram {
 public:
  void observe(double v) noexcept;

 private:
  friend class Registry;
  void* impl_ = nullptr;
};

// Appends Prometheus text-format lines (with their # HELP / # TYPE) at scrape time.
using TextCollector = std::function<void(std::string& out)>;

// A label value as the text exposition format wants it: backslash, quote and newline
// escaped. For series written by collectors (Registry::add_collector).
std::string label_escape(std::string_view value);

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Returns the series of family `name` with `labels`, creating either on first use.
  // The reference stays valid for the registry's lifetime. Thread-safe.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const std::vector<double>& buckets,
                       const Labels& labels = {});

  void add_collector(TextCollector collector);

  // The whole exposition in Prometheus text format 0.0.4.
  std::string serialize() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Default latency buckets in seconds (50 µs .. 10 s).
std::vector<double> latency_buckets();

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};
using HttpHandler = std::function<HttpResponse()>;

// A small plain-HTTP listener for /metrics and health endpoints (GET only, one request
// per connection, bounded request size and time). Runs on its own thread.
class HttpEndpoint {
 public:
  // `listen_addr` as in the config ("127.0.0.1:9153", port 0 for an ephemeral port).
  // /metrics serves `registry`; `handlers` add other paths (e.g. /healthz, /readyz).
  static StatusOr<std::unique_ptr<HttpEndpoint>> start(const std::string& listen_addr, const Registry& registry,
                                                       std::map<std::string, HttpHandler> handlers = {});
  ~HttpEndpoint();  // stops the listener and joins its thread
  std::uint16_t port() const noexcept;

  struct Impl;
  explicit HttpEndpoint(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcns::metrics
