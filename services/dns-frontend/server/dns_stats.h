#pragma once
// Per-worker DNS counters: mcns_dns_requests_total{proto,qtype},
// mcns_dns_responses_total{rcode}, mcns_dns_request_duration_seconds,
// mcns_dns_rrl_total{action}, mcns_dns_cookies_total{result}.
//
// Each worker thread writes only its own WorkerStats (a relaxed load + store, never an
// atomic read-modify-write and never a cache line shared with another worker); the
// scrape thread sums every worker's stats through a metrics TextCollector. Relaxed
// atomics make the concurrent read well-defined; a scrape may see a count one query
// behind, which Prometheus does not mind.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mcns::frontend::server {

class RelaxedCounter {
 public:
  void add(std::uint64_t n = 1) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

enum class Proto : std::uint8_t { kUdp = 0, kTcp = 1 };

// The qtypes with their own label value; everything else is "other".
inline constexpr std::size_t kQtypeSlots = 20;
std::size_t qtype_slot(std::uint16_t qtype) noexcept;
// Extended rcodes 0..23 have names; anything else is "other".
inline constexpr std::size_t kRcodeSlots = 25;
inline constexpr std::size_t kCookieSlots = 5;
// Upper bounds in seconds of the duration histogram (metrics::latency_buckets()).
inline constexpr std::array<double, 17> kDurationBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                           0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                                           0.5,     1,      2.5,     5,      10};

struct alignas(64) WorkerStats {
  std::array<std::array<RelaxedCounter, kQtypeSlots>, 2> requests;  // [proto][qtype slot]
  std::array<RelaxedCounter, kRcodeSlots> responses;                // [rcode slot]
  RelaxedCounter dropped;                                           // queries answered with nothing
  std::array<RelaxedCounter, kDurationBuckets.size() + 1> duration_buckets;  // non-cumulative; last = +Inf
  RelaxedCounter duration_count;
  RelaxedCounter duration_sum_ns;
  RelaxedCounter tcp_connections_refused;  // over a cap with nothing idle to close: the newcomer closed
  RelaxedCounter tcp_connections_evicted;  // idle connections closed to admit a newcomer
  // SPEC 16: mcns_dns_rrl_total{action}, mcns_dns_cookies_total{result}.
  RelaxedCounter rrl_slip;
  RelaxedCounter rrl_drop;
  std::array<RelaxedCounter, kCookieSlots> cookies;  // [CookieResult - 1]: new, valid, invalid, badcookie, malformed

  void count_request(Proto proto, std::uint16_t qtype) noexcept { requests[static_cast<int>(proto)][qtype_slot(qtype)].add(); }
  void count_response(std::uint16_t rcode) noexcept { responses[rcode < kRcodeSlots - 1 ? rcode : kRcodeSlots - 1].add(); }
  void observe_ns(std::uint64_t ns) noexcept { observe_ns_n(ns, 1); }
  // `n` requests that each took `ns` (a UDP batch).
  void observe_ns_n(std::uint64_t ns, std::uint64_t n) noexcept;
};

// Appends the Prometheus text of the sum of `workers` to `out`.
void render_stats(const std::vector<const WorkerStats*>& workers, std::string& out);

}  // namespace mcns::frontend::server
