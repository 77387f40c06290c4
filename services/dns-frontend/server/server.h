#pragma once
// The DNS listeners of mcns-dns (SPEC sections 9 and 10; STYLE.md 3.4).
//
// Threads: N workers (`[dns] threads`, 0 = one per core). On every `[dns] listen`
// address each worker has its own UDP socket and its own TCP acceptor, all bound with
// SO_REUSEPORT so the kernel spreads queries and connections over the workers and the
// UDP path shares nothing between threads. Each worker has one io_context thread (TCP,
// forwarding, timers) and one UDP thread per listen address.
//
// UDP: the thread blocks in recvmmsg(MSG_WAITFORONE) — two system calls per wakeup
// (recvmmsg + sendmmsg) instead of four through an event loop — into fixed buffers, runs
// process_query() on each datagram and sends the replies with one sendmmsg(): no
// allocation, no lock, no log per query. Wildcard binds use IP_PKTINFO /
// IPV6_RECVPKTINFO so replies leave from the address the query came to.
//
// TCP (RFC 7766): 2-octet length framing; pipelined queries are answered in order as
// they are read (forwarded ones when their answer arrives); idle connections close after
// `tcp_idle_timeout`, or `tcp_idle_timeout_under_pressure` while more than half of a
// worker's `tcp_max_connections` are open (RFC 7766 6.2.3); bounded per-connection
// buffers with back-pressure (reading pauses while the output queue is full). A
// zero-length message is ignored and the connection stays usable.
//
// Connection caps (SPEC 16): a worker holds at most `tcp_max_connections`, and one client
// address at most ceil(tcp_max_per_client / workers) of them, so a client holds at most
// about `tcp_max_per_client` in the process however SO_REUSEPORT spreads its
// connections (docs/ARCHITECTURE.md, Decisions). A new connection over either cap closes
// the oldest idle connection (the one idle the longest: of that client, or of the
// worker); when none is idle the newcomer is closed at once. "Idle" = owes nothing: no
// forward outstanding, nothing unwritten, no whole message unread.
//
// Abuse defences (SPEC 16): each UDP thread owns a RateLimiter (query/rrl.h, allocated at
// bind) and passes it with the cookie secret to process_query() in a QueryContext; TCP
// passes the secret only (TCP is never rate limited). Time is read once per recvmmsg
// batch (CLOCK_REALTIME_COARSE: cookie timestamps are Unix time).
//
// Forwarding: process_query() says kForward for names outside every zone when the client
// is in [forward] allow; the worker answers from the forwarding cache when it can, else
// hands the query to its ForwardClient and sends the reply when it arrives, so a slow
// upstream never blocks the worker.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/metrics/metrics.h"
#include "common/zone/snapshot_holder.h"

namespace mcns::frontend::forward {
class Forwarder;
}

namespace mcns::frontend::server {

struct ServerOptions {
  // "host:port", "[v6]:port" or ":port" (every address, IPv4 and IPv6). Port 0 picks one
  // free port, the same for UDP and TCP and for every worker (tests).
  std::vector<std::string> listen;
  int threads = 0;  // 0: std::thread::hardware_concurrency()
  std::chrono::milliseconds tcp_idle_timeout{10'000};
  std::chrono::milliseconds tcp_idle_timeout_under_pressure{1'000};
  std::size_t tcp_max_connections = 256;  // per worker ([dns] tcp_max_connections)
  std::size_t tcp_max_per_client = 32;    // per process ([dns] tcp_max_per_client)
  // SPEC 16 ([dns] rrl_responses_per_second, rrl_slip, cookie_secret_file). RRL is
  // per UDP thread: each of the N workers' threads on a listen address enforces its
  // share of the rate (shares add up to the rate, each at least 1), and SO_REUSEPORT
  // spreads a /24's queries (different source ports) over them, so the process admits
  // about `rrl_responses_per_second` per prefix and listen address (docs/ARCHITECTURE.md,
  // Decisions). Cookies are always on; an empty secret file = a random secret.
  std::uint32_t rrl_responses_per_second = 0;  // 0 = off
  std::uint32_t rrl_slip = 2;
  std::string cookie_secret_file;
};

class Server {
 public:
  // Opens and binds every socket (so that a privilege drop can follow), starts nothing.
  // `forwarder` may be null (forwarding off). `holder`, `forwarder` and `registry` must
  // outlive the Server. With a registry, adds the per-worker counters at scrape time.
  static StatusOr<std::unique_ptr<Server>> bind(const ServerOptions& options, const zone::SnapshotHolder& holder,
                                                forward::Forwarder* forwarder, metrics::Registry* registry);
  // Checks the listen addresses without binding anything (check-config).
  static Status check(const ServerOptions& options);
  ~Server();  // stop(0) when still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // "127.0.0.1:10053", "[::1]:10053": every listen address with its actual port.
  std::vector<std::string> bound_addresses() const;
  int threads() const noexcept;

  // Starts the worker threads.
  void start();
  // Stops reading queries and accepting connections, lets open connections send what
  // they owe and pending forwards finish, and waits at most `drain` for that. Returns
  // true when everything finished in time (the rest is cut off). Idempotent.
  bool stop(std::chrono::milliseconds drain);

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcns::frontend::server
