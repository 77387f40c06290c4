#include "common/metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <mutex>
#include <sstream>

namespace mcns::metrics {

void Counter::inc(double v) noexcept { static_cast<prometheus::Counter*>(impl_)->Increment(v); }
double Counter::value() const noexcept { return static_cast<prometheus::Counter*>(impl_)->Value(); }
void Gauge::set(double v) noexcept { static_cast<prometheus::Gauge*>(impl_)->Set(v); }
void Gauge::inc(double v) noexcept { static_cast<prometheus::Gauge*>(impl_)->Increment(v); }
void Gauge::dec(double v) noexcept { static_cast<prometheus::Gauge*>(impl_)->Decrement(v); }
double Gauge::value() const noexcept { return static_cast<prometheus::Gauge*>(impl_)->Value(); }
void Histogram::observe(double v) noexcept { static_cast<prometheus::Histogram*>(impl_)->Observe(v); }

struct Registry::Impl {
  prometheus::Registry registry;
  std::mutex mu;  // guards the maps below
  std::map<std::string, prometheus::Family<prometheus::Counter>*> counters;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges;
  std::map<std::string, prometheus::Family<prometheus::Histogram>*> histograms;
  // Handles must outlive every caller: keep them in node-stable maps keyed by series.
  std::map<std::string, std::unique_ptr<Counter>> counter_handles;
  std::map<std::string, std::unique_ptr<Gauge>> gauge_handles;
  std::map<std::string, std::unique_ptr<Histogram>> histogram_handles;
  std::vector<TextCollector> collectors;
};

namespace {
std::string series_key(const std::string& name, const Labels& labels) {
  std::string key = name;
  for (const auto& [k, v] : labels) {
    key.push_back('\x1f');
    key += k;
    key.push_back('=');
    key += v;
  }
  return key;
}
}  // namespace

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(impl_->mu);
  auto& handle = impl_->counter_handles[series_key(name, labels)];
  if (!handle) {
    auto& family = impl_->counters[name];
    if (!family) family = &prometheus::BuildCounter().Name(name).Help(help).Register(impl_->registry);
    handle = std::make_unique<Counter>();
    handle->impl_ = &family->Add(labels);
  }
  return *handle;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(impl_->mu);
  auto& handle = impl_->gauge_handles[series_key(name, labels)];
  if (!handle) {
    auto& family = impl_->gauges[name];
    if (!family) family = &prometheus::BuildGauge().Name(name).Help(help).Register(impl_->registry);
    handle = std::make_unique<Gauge>();
    handle->impl_ = &family->Add(labels);
  }
  return *handle;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, const std::vector<double>& buckets,
                               const Labels& labels) {
  std::lock_guard lock(impl_->mu);
  auto& handle = impl_->histogram_handles[series_key(name, labels)];
  if (!handle) {
    auto& family = impl_->histograms[name];
    if (!family) family = &prometheus::BuildHistogram().Name(name).Help(help).Register(impl_->registry);
    handle = std::make_unique<Histogram>();
    handle->impl_ = &family->Add(labels, prometheus::Histogram::BucketBoundaries(buckets));
  }
  return *handle;
}

void Registry::add_collector(TextCollector collector) {
  std::lock_guard lock(impl_->mu);
  impl_->collectors.push_back(std::move(collector));
}

std::string Registry::serialize() const {
  std::ostringstream os;
  prometheus::TextSerializer().Serialize(os, impl_->registry.Collect());
  std::string out = os.str();
  std::vector<TextCollector> collectors;
  {
    std::lock_guard lock(impl_->mu);
    collectors = impl_->collectors;
  }
  for (const auto& c : collectors) c(out);
  return out;
}

std::vector<double> latency_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace mcns::metrics

namespace mcns::metrics {

std::string label_escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace mcns::metrics
