#pragma once
// The forwarder of mcns-dns (SPEC section 9): names outside every zone, asked by clients
// in [forward] allow, are answered from the ForwardCache or resolved by the upstreams.
//
//   Forwarder (one per process, thread-safe): configuration, the allow list, the cache,
//   the metrics. Its cache path is the worker's hot path: noexcept, no allocation.
//
//   ForwardClient (one per worker thread, used only on that thread's io_context): the
//   upstream transactions of cache misses. A slow upstream never blocks the worker: the
//   reply is delivered later through the `done` callback on the same thread.
//
// Upstream protocol (RFC 5452): each attempt uses a new UDP socket bound to a kernel-
// chosen ephemeral port (Linux randomises it) and a random ID (arc4random); answers
// whose ID or question do not match are ignored and the attempt keeps waiting until its
// timeout. An answer with TC is retried over TCP on the same upstream. Timeouts, network
// errors, malformed answers, SERVFAIL/REFUSED/NOTIMP/FORMERR move on to the next
// upstream (counted in mcns_forward_upstream_errors_total{upstream}); when every upstream
// failed the clients get SERVFAIL, which is never cached. Identical misses on one worker
// share one transaction.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/base/status.h"
#include "common/metrics/metrics.h"
#include "services/dns-frontend/forward/allow_list.h"
#include "services/dns-frontend/forward/forward_cache.h"
#include "services/dns-frontend/forward/forward_wire.h"

namespace mcns::frontend::forward {

struct ForwarderOptions {
  std::vector<std::string> upstreams;  // "ip:port", "[v6]:port" or a bare IP (port 53); empty: off
  std::vector<std::string> allow;      // CIDR prefixes
  std::uint32_t max_ttl = 300;
  std::uint32_t max_entries = 100000;  // 0: nothing is cached
  // Footprint of all cached answers together, for every worker (SPEC section 16).
  std::uint64_t max_bytes = ForwardCache::kDefaultMaxBytes;
  // Per attempt (UDP, and again for a TCP retry) before the next upstream is tried.
  std::chrono::milliseconds timeout{1500};
  // Bounds per worker: concurrent upstream transactions, and clients waiting on one.
  std::size_t max_in_flight = 4096;
  std::size_t max_waiters = 256;
};

class Forwarder {
 public:
  // Validates the options (addresses, prefixes). With a registry, exposes
  // mcns_forward_cache_hits_total, mcns_forward_cache_misses_total,
  // mcns_forward_cache_entries, mcns_forward_cache_bytes and
  // mcns_forward_upstream_errors_total{upstream}.
  static StatusOr<std::unique_ptr<Forwarder>> create(const ForwarderOptions& options,
                                                     metrics::Registry* registry);
  ~Forwarder();

  // Forwarding is configured (at least one upstream).
  bool enabled() const noexcept { return !upstreams_.empty(); }
  // Hot path: forwarding is configured and `client` is in the allow list.
  bool allowed(const sockaddr* client) const noexcept { return enabled() && allow_.contains(client); }

  // Hot path: the cached reply for `q` rendered into `out` (limit from reply_limit());
  // 0 on a miss.
  // `reader`: the calling thread's slot (ForwardCache::register_reader()); no lock. The
  // overload without one shares a mutex-guarded slot (tests and tools).
  std::size_t answer_from_cache(const Question& q, bool tcp, std::span<std::uint8_t> out,
                                ForwardCache::Reader& reader) noexcept {
    return cache_.lookup(q, ForwardCache::now_ms(), out, reply_limit(q, tcp, out.size()), reader);
  }
  std::size_t answer_from_cache(const Question& q, bool tcp, std::span<std::uint8_t> out) noexcept {
    return cache_.lookup(q, ForwardCache::now_ms(), out, reply_limit(q, tcp, out.size()));
  }

  const ForwarderOptions& options() const noexcept { return options_; }
  ForwardCache& cache() noexcept { return cache_; }
  const std::vector<boost::asio::ip::udp::endpoint>& upstreams() const noexcept { return upstreams_; }
  void count_upstream_error(std::size_t upstream) noexcept;

 private:
  Forwarder(const ForwarderOptions& options, AllowList allow,
            std::vector<boost::asio::ip::udp::endpoint> upstreams);

  ForwarderOptions options_;
  AllowList allow_;
  std::vector<boost::asio::ip::udp::endpoint> upstreams_;
  ForwardCache cache_;
  std::vector<metrics::Counter*> upstream_errors_;  // one per upstream; null without registry
};

class ForwardClient {
 public:
  // Receives the reply (valid only during the call), or an empty span when there is
  // nothing to send (the query could not be read).
  using Done = std::function<void(std::span<const std::uint8_t> reply)>;

  ForwardClient(Forwarder& forwarder, boost::asio::io_context& io);
  // Must be destroyed before `io`. Transactions still running are abandoned (their
  // callbacks are not called).
  ~ForwardClient();
  ForwardClient(const ForwardClient&) = delete;
  ForwardClient& operator=(const ForwardClient&) = delete;

  // Resolves `q` (a cache miss) and calls `done` on this worker's thread. `tcp` selects
  // the client's size limit. Allocates (the miss path).
  void resolve(const Question& q, bool tcp, Done done);

  // Upstream transactions in progress (for draining at shutdown).
  std::size_t in_flight() const noexcept { return in_flight_.size(); }

 private:
  class Transaction;
  friend class Transaction;

  Forwarder& forwarder_;
  boost::asio::io_context& io_;
  std::unordered_map<std::string, std::shared_ptr<Transaction>> in_flight_;
  std::vector<std::uint8_t> scratch_;  // reply rendering, one at a time on this thread
  std::shared_ptr<bool> alive_;        // transactions check it before touching the client
};

}  // namespace mcns::frontend::forward
