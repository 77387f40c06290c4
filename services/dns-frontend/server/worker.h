#pragma once
// One DNS worker of mcns-dns: an io_context thread (TCP sessions, forwarding misses,
// timers) with the connection bookkeeping of SPEC 16, and the per-worker state the UDP
// threads of the same worker share with it (stats, snapshot, forwarder).
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/base/log.h"
#include "common/zone/snapshot_holder.h"
#include "services/dns-frontend/forward/forwarder.h"
#include "services/dns-frontend/query/query_processor.h"
#include "services/dns-frontend/server/dns_stats.h"
#include "services/dns-frontend/server/server.h"
#include "services/dns-frontend/server/tcp_connection.h"
#include "services/dns-frontend/server/udp_loop.h"

namespace mcns::frontend::server {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;

// Counts what the abuse defences did with one query (SPEC 16).
inline void count_defences(WorkerStats& stats, const QueryContext& ctx) noexcept {
  if (ctx.cookie != CookieResult::kNone) stats.cookies[static_cast<std::size_t>(ctx.cookie) - 1].add();
  if (ctx.rrl_verdict == RrlVerdict::kSlip) stats.rrl_slip.add();
  else if (ctx.rrl_verdict == RrlVerdict::kDrop) stats.rrl_drop.add();
}

class Worker {
 public:
  // `workers`: how many workers share the per-client cap (each admits its share).
  Worker(int index, int workers, const zone::SnapshotHolder& holder, forward::Forwarder* forwarder,
         const ServerOptions& options)
      : index_(index),
        options_(options),
        client_cap_(std::max<std::size_t>(1, (options.tcp_max_per_client + static_cast<std::size_t>(workers) - 1) /
                                                 static_cast<std::size_t>(workers))),
        snapshot_(holder),
        forwarder_(forwarder),
        tcp_scratch_(65535),
        refresh_timer_(io_),  // (io_ is declared, so initialised, before refresh_timer_)
        work_(asio::make_work_guard(io_)) {
    if (forwarder_ && forwarder_->enabled()) {
      fwd_client_ = std::make_unique<forward::ForwardClient>(*forwarder_, io_);
      cache_reader_ = &forwarder_->cache().register_reader();  // this worker's io thread
    }
  }

  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  asio::io_context& io() { return io_; }
  WorkerStats& stats() { return stats_; }
  const WorkerStats& stats() const { return stats_; }
  const zone::ZoneSet& zones() noexcept { return snapshot_.get(); }
  forward::Forwarder* forwarder() { return forwarder_; }
  forward::ForwardClient* forward_client() { return fwd_client_.get(); }
  std::span<std::uint8_t> tcp_scratch() { return tcp_scratch_; }
  // Hot path (TCP): the forwarding cache's answer for `q`, 0 on a miss.
  std::size_t answer_from_cache(const forward::Question& q, bool tcp, std::span<std::uint8_t> out) noexcept {
    return forwarder_->answer_from_cache(q, tcp, out, *cache_reader_);
  }

  const ServerOptions& options() const { return options_; }
  const SipKey* cookie_secret() const { return cookie_secret_; }
  void set_cookie_secret(const SipKey* secret) { cookie_secret_ = secret; }
  bool stopping() const { return stopping_; }

  void add_tcp(tcp::acceptor a) { acceptors_.push_back(std::make_unique<tcp::acceptor>(std::move(a))); }
  std::size_t session_count() const { return all_.size(); }

  // Connection bookkeeping (the worker's thread only). admit() makes room for a new
  // connection from `key` or says to refuse it (SPEC 16, RFC 7766 6.2.3):
  //  - the client already holds its share of the per-client cap: its oldest idle
  //    connection (idle the longest) is closed; none idle: refused;
  //  - the worker holds tcp_max_connections: the worker's oldest idle connection is
  //    closed; none idle: refused.
  bool admit(const ClientKey& key) {
    if (auto it = clients_.find(key); it != clients_.end() && it->second.size() >= client_cap_) {
      TcpConnection* victim = oldest_idle(it->second);  // (`it` may be erased by evict())
      if (!victim) return refuse();
      victim->evict();
      stats_.tcp_connections_evicted.add();
    }
    if (all_.size() >= options_.tcp_max_connections) {
      TcpConnection* victim = oldest_idle(all_);
      if (!victim) return refuse();
      victim->evict();
      stats_.tcp_connections_evicted.add();
    }
    return true;
  }
  void register_session(TcpConnection* c) {
    ClientList& list = clients_[c->key_];
    c->client_ = &list;  // unordered_map elements do not move
    list.push_back(*c);
    all_.push_back(*c);
    if (!pressure_ && under_pressure()) {
      // Every open connection gets the short idle timeout now, not at its next message.
      pressure_ = true;
      for (TcpConnection& other : all_) other.rearm();
    }
  }
  void unregister_session(TcpConnection* c) {
    if (!c->all_hook_.is_linked()) return;
    all_.erase(all_.iterator_to(*c));
    auto& list = *static_cast<ClientList*>(c->client_);
    list.erase(list.iterator_to(*c));
    c->client_ = nullptr;
    if (list.empty()) clients_.erase(c->key_);
    if (pressure_ && !under_pressure()) pressure_ = false;  // timers re-read idle_timeout() when they fire
  }
  // A complete message arrived: the connection is the most recently active.
  void touched(TcpConnection* c) {
    if (!c->all_hook_.is_linked()) return;
    all_.erase(all_.iterator_to(*c));
    all_.push_back(*c);
    auto& list = *static_cast<ClientList*>(c->client_);
    list.erase(list.iterator_to(*c));
    list.push_back(*c);
  }
  // More than half the connection slots in use: idle connections get the short timeout.
  bool under_pressure() const { return all_.size() * 2 > options_.tcp_max_connections; }
  std::chrono::milliseconds idle_timeout() const {
    return under_pressure() ? std::min(options_.tcp_idle_timeout, options_.tcp_idle_timeout_under_pressure)
                            : options_.tcp_idle_timeout;
  }

  void start_thread() {
    asio::post(io_, [this] {
      for (auto& a : acceptors_) accept(*a);
      refresh();
    });
    thread_ = std::thread([this] { run(); });
  }

  // On the worker's thread: stop reading, accepting and refreshing; sessions close once
  // they have sent what they owe. io_.run() returns when nothing is left.
  void begin_stop();

  // Waits until the thread's loop ended or `deadline`; then forces it.
  bool finish(std::chrono::steady_clock::time_point deadline) {
    bool in_time;
    {
      std::unique_lock lock(mu_);
      in_time = cv_.wait_until(lock, deadline, [this] { return finished_; });
    }
    if (!in_time) io_.stop();
    if (thread_.joinable()) thread_.join();
    return in_time;
  }
  bool started() const { return thread_.joinable(); }

  // Sends one reply outside the batch (a forwarded answer).
  void send_udp_reply(int fd, const sockaddr_storage& to, socklen_t to_len, const ReplyControl& ctl,
                      std::span<const std::uint8_t> reply) noexcept {
    iovec iov{const_cast<std::uint8_t*>(reply.data()), reply.size()};
    msghdr m{};
    m.msg_name = const_cast<sockaddr_storage*>(&to);
    m.msg_namelen = to_len;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (ctl.len) {
      m.msg_control = const_cast<std::uint8_t*>(ctl.buf);
      m.msg_controllen = ctl.len;
    }
    ::sendmsg(fd, &m, MSG_DONTWAIT);
  }

 private:
  void run() {
    while (true) {
      try {
        io_.run();
        break;
      } catch (const std::exception& e) {
        // A bug, not a packet: keep serving (STYLE.md 3.2: caught once at the boundary).
        log::error("dns worker ", index_, ": ", e.what());
      }
    }
    snapshot_.reset();  // do not pin an old snapshot after the loop ended
    std::lock_guard lock(mu_);
    finished_ = true;
    cv_.notify_all();
  }

  void accept(tcp::acceptor& a);
  bool refuse() {
    stats_.tcp_connections_refused.add();
    return false;
  }

  // An idle worker still drops its reference to a replaced snapshot within a second, so
  // the old one can be freed (by the publisher's sweep()).
  void refresh() {
    (void)snapshot_.get();
    refresh_timer_.expires_after(std::chrono::seconds(1));
    refresh_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec && !stopping_) refresh();
    });
  }

  int index_;
  const ServerOptions& options_;
  const std::size_t client_cap_;  // this worker's share of tcp_max_per_client
  // Declared before io_: sessions unregister themselves while io_ is destroyed.
  std::unordered_map<ClientKey, ClientList, ClientKeyHash> clients_;
  AllList all_;  // every open connection, least recently active first
  bool pressure_ = false;
  const SipKey* cookie_secret_ = nullptr;
  WorkerStats stats_;
  zone::LocalSnapshot snapshot_;
  forward::Forwarder* forwarder_;
  forward::ForwardCache::Reader* cache_reader_ = nullptr;  // with forwarding on
  std::vector<std::uint8_t> tcp_scratch_;
  asio::io_context io_{1};
  // Everything below uses io_ and is destroyed before it.
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  asio::steady_timer refresh_timer_;
  // Keeps run() going while the UDP threads may still post forwarding misses.
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<forward::ForwardClient> fwd_client_;
  bool stopping_ = false;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool finished_ = false;  // guarded by mu_
};

}  // namespace mcns::frontend::server
