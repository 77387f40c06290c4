#pragma once
// UDP: one thread per (worker, listen address), blocked in recvmmsg(MSG_WAITFORONE).
// Per wakeup that is two system calls (recvmmsg + sendmmsg) against four through an event
// loop (epoll_wait, epoll_ctl re-arm, recvmmsg, sendmmsg), which is most of the cost of a
// query at moderate rates. Forwarding misses go to the worker's io_context.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

#include "common/zone/snapshot_holder.h"
#include "services/dns-frontend/forward/forward_cache.h"
#include "services/dns-frontend/forward/forward_wire.h"
#include "services/dns-frontend/query/query_processor.h"
#include "services/dns-frontend/server/dns_stats.h"

namespace mcns::frontend::server {

inline constexpr std::size_t kBatch = 32;        // datagrams per recvmmsg/sendmmsg
inline constexpr std::size_t kRxSize = 4096;     // a larger datagram is not a query we answer: dropped
inline constexpr std::size_t kTxSize = kMaxUdpPayload;
inline constexpr std::size_t kCtlSize = 64;      // room for one in_pktinfo or in6_pktinfo cmsg

class Worker;

// The pktinfo control message to send a reply from the address a query arrived at.
struct ReplyControl {
  alignas(cmsghdr) std::uint8_t buf[kCtlSize];
  std::size_t len = 0;
};

// Fills `out` with the control message that sends a reply from the local address
// `received` (a recvmsg header with IP_PKTINFO / IPV6_PKTINFO) arrived at; len 0 if none.
void reply_control_from(const msghdr& received, ReplyControl& out) noexcept;

// Per-worker fixed UDP buffers, allocated once.
struct UdpBatch {
  std::array<std::array<std::uint8_t, kRxSize>, kBatch> rx;
  std::array<std::array<std::uint8_t, kTxSize>, kBatch> tx;
  std::array<sockaddr_storage, kBatch> addr;
  std::array<std::array<std::uint8_t, kCtlSize>, kBatch> rx_ctl;
  std::array<ReplyControl, kBatch> tx_ctl;
  std::array<iovec, kBatch> rx_iov;
  std::array<iovec, kBatch> tx_iov;
  std::array<mmsghdr, kBatch> rx_msgs;
  std::array<mmsghdr, kBatch> tx_msgs;
};

class UdpLoop {
 public:
  // `rrl` null: no rate limiting. `cookie_secret` must outlive the loop.
  UdpLoop(Worker& w, int fd, bool pktinfo, const zone::SnapshotHolder& holder, const SipKey* cookie_secret,
          std::unique_ptr<RateLimiter> rrl);
  ~UdpLoop();
  UdpLoop(const UdpLoop&) = delete;
  UdpLoop& operator=(const UdpLoop&) = delete;

  void start() { thread_ = std::thread([this] { run(); }); }
  // Wakes the thread (shutdown(SHUT_RD) ends a blocked recvmmsg); the socket stays open
  // for forwarded replies still to come.
  void request_stop() noexcept {
    if (stop_.exchange(true)) return;
    ::shutdown(fd_, SHUT_RD);
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  const WorkerStats& stats() const { return stats_; }

 private:
  void run() noexcept;
  void forward_miss(const forward::Question& q, const msghdr& h, const sockaddr_storage& from, std::uint64_t t0);

  Worker& w_;
  const int fd_;
  const bool pktinfo_;
  zone::LocalSnapshot snapshot_;
  std::unique_ptr<UdpBatch> batch_;
  dns_wire::ParsedQuery parsed_;  // the query being answered (process_query parses into it)
  const SipKey* cookie_secret_;
  std::unique_ptr<RateLimiter> rrl_;  // this thread's RRL table (allocated once), or null
  forward::ForwardCache::Reader* cache_reader_ = nullptr;  // this thread's slot, with forwarding on
  WorkerStats stats_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace mcns::frontend::server
