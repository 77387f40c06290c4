#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include "services/dns-frontend/server/server.h"

#include <boost/asio.hpp>
#include <boost/intrusive/list.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/config/config.h"
#include "services/dns-frontend/forward/forwarder.h"
#include "services/dns-frontend/query/query_processor.h"
#include "services/dns-frontend/server/dns_stats.h"

namespace mcns::frontend::server {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

namespace {

constexpr std::size_t kBatch = 32;        // datagrams per recvmmsg/sendmmsg
constexpr std::size_t kRxSize = 4096;     // a larger datagram is not a query we answer: dropped
constexpr std::size_t kTxSize = kMaxUdpPayload;
constexpr std::size_t kCtlSize = 64;      // room for one in_pktinfo or in6_pktinfo cmsg
constexpr std::size_t kTcpMaxFrame = 2 + 65535;
constexpr std::size_t kTcpInitialRx = 4096;
constexpr std::size_t kTcpMaxPendingOut = 128 * 1024;  // reading pauses above this
constexpr std::size_t kTcpMaxOutstanding = 16;         // forwarded queries per connection
constexpr int kUdpRoundsPerWakeup = 8;                 // then yield to the other sockets

// Unix time in seconds: cookie timestamps (RFC 9018) and RRL buckets.
std::uint32_t unix_seconds() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<std::uint32_t>(ts.tv_sec);
}

// Counts what the abuse defences did with one query (SPEC 16).
void count_defences(WorkerStats& stats, const QueryContext& ctx) noexcept {
  if (ctx.cookie != CookieResult::kNone) stats.cookies[static_cast<std::size_t>(ctx.cookie) - 1].add();
  if (ctx.rrl_verdict == RrlVerdict::kSlip) stats.rrl_slip.add();
  else if (ctx.rrl_verdict == RrlVerdict::kDrop) stats.rrl_drop.add();
}

std::uint64_t now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

struct ListenSpec {
  std::string text;
  asio::ip::address address;
  std::uint16_t port = 0;
  bool wildcard = false;    // unspecified address: replies need the pktinfo source address
  bool dual_stack = false;  // ":port" only: one IPv6 socket that also takes IPv4
};

StatusOr<ListenSpec> parse_listen(const std::string& text) {
  auto hp = config::parse_host_port(text);
  if (!hp.ok()) return invalid_argument(str_cat("[dns] listen: ", hp.status().message()));
  ListenSpec spec;
  spec.text = text;
  spec.port = hp->port;
  if (hp->host.empty()) {
    spec.address = asio::ip::address_v6::any();
    spec.wildcard = true;
    spec.dual_stack = true;
    return spec;
  }
  boost::system::error_code ec;
  spec.address = asio::ip::make_address(hp->host, ec);
  if (ec) return invalid_argument(str_cat("[dns] listen: \"", text, "\" must be an IP address and port"));
  spec.wildcard = spec.address.is_unspecified();
  return spec;
}

std::uint16_t source_port(const sockaddr_storage& ss) noexcept {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  return 0;
}

std::string endpoint_text(const asio::ip::address& a, std::uint16_t port) {
  return a.is_v6() ? str_cat("[", a.to_string(), "]:", port) : str_cat(a.to_string(), ":", port);
}

// The pktinfo control message to send a reply from the address a query arrived at.
struct ReplyControl {
  alignas(cmsghdr) std::uint8_t buf[kCtlSize];
  std::size_t len = 0;
};

void reply_control_from(const msghdr& received, ReplyControl& out) noexcept {
  out.len = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(const_cast<msghdr*>(&received)); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&received), c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      in_pktinfo reply{};
      reply.ipi_spec_dst = pi.ipi_spec_dst;  // the local address it came to; routing picks the interface
      auto* h = reinterpret_cast<cmsghdr*>(out.buf);
      h->cmsg_level = IPPROTO_IP;
      h->cmsg_type = IP_PKTINFO;
      h->cmsg_len = CMSG_LEN(sizeof reply);
      std::memcpy(CMSG_DATA(h), &reply, sizeof reply);
      out.len = CMSG_SPACE(sizeof reply);
      return;
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      auto* h = reinterpret_cast<cmsghdr*>(out.buf);
      h->cmsg_level = IPPROTO_IPV6;
      h->cmsg_type = IPV6_PKTINFO;
      h->cmsg_len = CMSG_LEN(sizeof pi);
      std::memcpy(CMSG_DATA(h), &pi, sizeof pi);  // same address, same interface (link-local)
      out.len = CMSG_SPACE(sizeof pi);
      return;
    }
  }
}

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

// Per-connection memory for Asio's operation objects (Asio's "allocation" example): a TCP
// connection has at most one read and one write in flight, and Boost 1.74's thread-local
// recycling keeps only one block, so without this every query would cost a malloc.
class HandlerMemory {
 public:
  HandlerMemory() = default;
  HandlerMemory(const HandlerMemory&) = delete;
  HandlerMemory& operator=(const HandlerMemory&) = delete;
  void* allocate(std::size_t n) {
    if (!in_use_ && n <= sizeof storage_) {
      in_use_ = true;
      return storage_;
    }
    return ::operator new(n);
  }
  void deallocate(void* p) noexcept {
    if (p == storage_) {
      in_use_ = false;
    } else {
      ::operator delete(p);
    }
  }

 private:
  alignas(std::max_align_t) unsigned char storage_[1024];
  bool in_use_ = false;
};

template <typename T>
class HandlerAllocator {
 public:
  using value_type = T;
  explicit HandlerAllocator(HandlerMemory& m) noexcept : memory_(&m) {}
  template <typename U>
  HandlerAllocator(const HandlerAllocator<U>& other) noexcept : memory_(other.memory_) {}
  T* allocate(std::size_t n) { return static_cast<T*>(memory_->allocate(sizeof(T) * n)); }
  void deallocate(T* p, std::size_t) noexcept { memory_->deallocate(p); }
  template <typename U>
  bool operator==(const HandlerAllocator<U>& o) const noexcept { return memory_ == o.memory_; }
  template <typename U>
  bool operator!=(const HandlerAllocator<U>& o) const noexcept { return memory_ != o.memory_; }

 private:
  template <typename>
  friend class HandlerAllocator;
  HandlerMemory* memory_;
};

// A completion handler whose associated allocator is a HandlerMemory.
template <typename Handler>
class MemoryHandler {
 public:
  using allocator_type = HandlerAllocator<Handler>;
  MemoryHandler(HandlerMemory& m, Handler h) : memory_(m), handler_(std::move(h)) {}
  allocator_type get_allocator() const noexcept { return allocator_type(memory_); }
  template <typename... Args>
  void operator()(Args&&... args) {
    handler_(std::forward<Args>(args)...);
  }

 private:
  HandlerMemory& memory_;
  Handler handler_;
};

template <typename Handler>
MemoryHandler<Handler> with_memory(HandlerMemory& m, Handler h) {
  return MemoryHandler<Handler>(m, std::move(h));
}

// A TCP client's address (IPv4 as v4-mapped IPv6), the key of the per-client cap.
using ClientKey = std::array<std::uint8_t, 16>;

ClientKey client_key(const asio::ip::address& a) noexcept {
  if (a.is_v4()) return asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4()).to_bytes();
  return a.to_v6().to_bytes();
}

struct ClientKeyHash {
  std::size_t operator()(const ClientKey& k) const noexcept {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a
    for (std::uint8_t b : k) h = (h ^ b) * 1099511628211ull;
    return static_cast<std::size_t>(h);
  }
};

using LruHook = boost::intrusive::list_member_hook<>;

// What the worker's connection bookkeeping sees of a TCP session: two places in
// least-recently-active order (all of the worker's connections, and those of the same
// client), linked in place so that moving a session to the back on every answered
// message allocates nothing.
class TcpConnection {
 public:
  explicit TcpConnection(const ClientKey& key) : key_(key) {}
  virtual ~TcpConnection() = default;
  // Owes nothing: no forward outstanding, nothing to write, no whole message unread.
  virtual bool idle() const = 0;
  // Closed by the worker to make room (caps); unregisters itself.
  virtual void evict() = 0;
  // The worker's idle timeout changed (pressure began): re-arm the idle timer.
  virtual void rearm() = 0;
  // The worker is stopping: finish what is owed, then close.
  virtual void shutdown() = 0;

  const ClientKey key_;
  LruHook all_hook_;
  LruHook client_hook_;
  void* client_ = nullptr;  // the worker's entry for key_ while registered
};

using AllList = boost::intrusive::list<TcpConnection,
                                       boost::intrusive::member_hook<TcpConnection, LruHook, &TcpConnection::all_hook_>>;
using ClientList =
    boost::intrusive::list<TcpConnection,
                           boost::intrusive::member_hook<TcpConnection, LruHook, &TcpConnection::client_hook_>>;

template <typename List>
TcpConnection* oldest_idle(List& list) noexcept {
  for (TcpConnection& c : list)
    if (c.idle()) return &c;
  return nullptr;
}

}  // namespace

class Worker;
class TcpSession;

// ---------------------------------------------------------------------------------------
// UDP: one thread per (worker, listen address), blocked in recvmmsg(MSG_WAITFORONE).
// Per wakeup that is two system calls (recvmmsg + sendmmsg) against four through an event
// loop (epoll_wait, epoll_ctl re-arm, recvmmsg, sendmmsg), which is most of the cost of a
// query at moderate rates. Forwarding misses go to the worker's io_context.

class UdpLoop {
 public:
  // `rrl` null: no rate limiting. `cookie_secret` must outlive the loop.
  UdpLoop(Worker& w, int fd, bool pktinfo, const zone::SnapshotHolder& holder, const SipKey* cookie_secret,
          std::unique_ptr<RateLimiter> rrl)
      : w_(w),
        fd_(fd),
        pktinfo_(pktinfo),
        snapshot_(holder),
        batch_(std::make_unique<UdpBatch>()),
        cookie_secret_(cookie_secret),
        rrl_(std::move(rrl)) {}
  ~UdpLoop() {
    request_stop();
    join();
    ::close(fd_);
  }
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
  const SipKey* cookie_secret_;
  std::unique_ptr<RateLimiter> rrl_;  // this thread's RRL table (allocated once), or null
  WorkerStats stats_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------
// Worker

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
    if (forwarder_ && forwarder_->enabled()) fwd_client_ = std::make_unique<forward::ForwardClient>(*forwarder_, io_);
  }

  asio::io_context& io() { return io_; }
  WorkerStats& stats() { return stats_; }
  const WorkerStats& stats() const { return stats_; }
  const zone::ZoneSet& zones() noexcept { return snapshot_.get(); }
  forward::Forwarder* forwarder() { return forwarder_; }
  forward::ForwardClient* forward_client() { return fwd_client_.get(); }
  std::span<std::uint8_t> tcp_scratch() { return tcp_scratch_; }
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

void UdpLoop::run() noexcept {
  UdpBatch& b = *batch_;
  forward::Forwarder* fwd = w_.forwarder();
  WorkerStats& stats = stats_;
  while (!stop_.load(std::memory_order_relaxed)) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      b.rx_iov[i] = {b.rx[i].data(), kRxSize};
      msghdr& h = b.rx_msgs[i].msg_hdr;
      h = msghdr{};
      h.msg_name = &b.addr[i];
      h.msg_namelen = sizeof(sockaddr_storage);
      h.msg_iov = &b.rx_iov[i];
      h.msg_iovlen = 1;
      if (pktinfo_) {
        h.msg_control = b.rx_ctl[i].data();
        h.msg_controllen = kCtlSize;
      }
    }
    // Blocks for the first datagram (at most SO_RCVTIMEO), then takes what is queued.
    int n = ::recvmmsg(fd_, b.rx_msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) {
      // Timeout (idle): drop this thread's reference to a replaced snapshot so the old
      // one can be freed. Errors such as ECONNREFUSED are per-packet noise.
      (void)snapshot_.get();
      continue;
    }
    const std::uint64_t t0 = now_ns();
    const std::uint32_t now_s = unix_seconds();
    const zone::ZoneSet& zones = snapshot_.get();
    std::size_t out = 0;
    for (int i = 0; i < n; ++i) {
      const msghdr& h = b.rx_msgs[i].msg_hdr;
      if (h.msg_flags & MSG_TRUNC) {  // oversized: not a query we answer
        stats.dropped.add();
        continue;
      }
      std::span<const std::uint8_t> in(b.rx[i].data(), b.rx_msgs[i].msg_len);
      const auto* client = reinterpret_cast<const sockaddr*>(&b.addr[i]);
      if (source_port(b.addr[i]) == 0) {  // cannot be answered; forged (BIND and Knot drop it)
        stats.dropped.add();
        continue;
      }
      const bool forwarding = fwd != nullptr && fwd->allowed(client);
      std::span<std::uint8_t> tx(b.tx[out].data(), kTxSize);
      QueryContext ctx;
      ctx.cookie_secret = cookie_secret_;
      ctx.client = ClientAddress::from_sockaddr(client);
      ctx.now = now_s;
      ctx.rrl = rrl_.get();
      QueryResult r = process_query(zones, in, tx, Transport::kUdp, forwarding, &ctx);
      stats.count_request(Proto::kUdp, r.qtype);
      count_defences(stats, ctx);
      std::size_t size = 0;
      std::uint16_t rcode = r.rcode;
      if (r.action == QueryAction::kRespond) {
        size = r.size;
      } else if (r.action == QueryAction::kForward) {
        forward::Question q;
        if (!forward::parse_question(in, q)) {
          stats.dropped.add();
          continue;
        }
        size = fwd->answer_from_cache(q, false, tx);
        if (size == 0) {
          forward_miss(q, h, b.addr[i], t0);
          continue;
        }
        rcode = tx[3] & 0x0f;
      } else {
        stats.dropped.add();
        continue;
      }
      b.tx_iov[out] = {b.tx[out].data(), size};
      msghdr& o = b.tx_msgs[out].msg_hdr;
      o = msghdr{};
      o.msg_name = &b.addr[i];
      o.msg_namelen = h.msg_namelen;
      o.msg_iov = &b.tx_iov[out];
      o.msg_iovlen = 1;
      if (pktinfo_) {
        reply_control_from(h, b.tx_ctl[out]);
        if (b.tx_ctl[out].len) {
          o.msg_control = b.tx_ctl[out].buf;
          o.msg_controllen = b.tx_ctl[out].len;
        }
      }
      stats.count_response(rcode);
      stats.observe_ns(now_ns() - t0);
      ++out;
    }
    for (std::size_t sent = 0; sent < out;) {
      int s = ::sendmmsg(fd_, b.tx_msgs.data() + sent, static_cast<unsigned>(out - sent), MSG_DONTWAIT);
      if (s > 0) {
        sent += static_cast<std::size_t>(s);
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) break;  // buffer full: UDP may drop
      // This one reply cannot be sent (an unroutable or forged source address): skip it,
      // not the replies queued behind it.
      stats.dropped.add();
      ++sent;
    }
  }
  snapshot_.reset();
}

// A cache miss: resolved on the worker's io_context, whose thread sends the reply from
// this socket (sendmsg on one socket from two threads is safe). Allocates: miss path.
void UdpLoop::forward_miss(const forward::Question& q, const msghdr& h, const sockaddr_storage& from,
                           std::uint64_t t0) {
  ReplyControl ctl;
  if (pktinfo_) reply_control_from(h, ctl);
  Worker* w = &w_;
  int fd = fd_;
  socklen_t from_len = h.msg_namelen;
  asio::post(w->io(), [w, fd, q, from, from_len, ctl, t0] {
    w->forward_client()->resolve(q, false, [w, fd, from, from_len, ctl, t0](std::span<const std::uint8_t> reply) {
      if (reply.size() < 12) {
        w->stats().dropped.add();
        return;
      }
      w->send_udp_reply(fd, from, from_len, ctl, reply);
      w->stats().count_response(reply[3] & 0x0f);
      w->stats().observe_ns(now_ns() - t0);
    });
  });
}

// ---------------------------------------------------------------------------------------
// TCP (RFC 7766)

class TcpSession final : public TcpConnection, public std::enable_shared_from_this<TcpSession> {
 public:
  TcpSession(Worker& w, tcp::socket socket, const tcp::endpoint& peer)
      : TcpConnection(client_key(peer.address())),
        w_(w),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        rx_(kTcpInitialRx),
        client_(ClientAddress::from_sockaddr(peer.data())) {
    forward::Forwarder* fwd = w_.forwarder();
    allowed_ = fwd != nullptr && fwd->allowed(peer.data());
  }
  ~TcpSession() override { w_.unregister_session(this); }

  void start() {
    last_active_ = std::chrono::steady_clock::now();
    w_.register_session(this);
    boost::system::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    arm_timer();
    read();
  }

  void shutdown() override {
    stopping_ = true;
    maybe_close();
  }
  bool idle() const override {
    return !closed_ && outstanding_ == 0 && !writing_ && out_pending_.empty() && !has_complete_frame();
  }
  void evict() override { close(); }
  void rearm() override {
    if (!closed_) arm_timer();
  }

 private:
  void touch() {
    last_active_ = std::chrono::steady_clock::now();
    w_.touched(this);
  }
  // The idle deadline follows the worker's current timeout (shorter under pressure).
  std::chrono::steady_clock::time_point deadline() const { return last_active_ + w_.idle_timeout(); }

  void arm_timer() {
    timer_.expires_at(deadline());
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      if (std::chrono::steady_clock::now() < self->deadline()) return self->arm_timer();
      if (self->outstanding_ == 0) return self->close();  // idle, or the peer stopped reading
      self->last_active_ = std::chrono::steady_clock::now();  // forwards are bounded by their own timeouts
      self->arm_timer();
    });
  }

  bool backlogged() const { return out_pending_.size() > kTcpMaxPendingOut || outstanding_ >= kTcpMaxOutstanding; }

  void read() {
    if (reading_ || closed_ || peer_closed_ || stopping_ || backlogged()) return;
    if (rx_.size() - rx_len_ < 512 && rx_.size() < kTcpMaxFrame) rx_.resize(std::min(kTcpMaxFrame, rx_.size() * 2));
    reading_ = true;
    socket_.async_read_some(asio::buffer(rx_.data() + rx_len_, rx_.size() - rx_len_),
                            with_memory(read_memory_, [self = shared_from_this()](boost::system::error_code ec,
                                                                                  std::size_t n) {
                              self->reading_ = false;
                              if (self->closed_) return;
                              if (ec) {
                                self->peer_closed_ = true;  // EOF or error: answer what was read, then close
                              } else {
                                // NOTE: no touch() here: only a complete message extends the
                                // idle deadline, so a client trickling bytes cannot hold a
                                // connection (and a slot of the cap) forever.
                                self->rx_len_ += n;
                              }
                              self->resume();
                            }));
  }

  void resume() {
    process_frames();
    flush();
    read();
    maybe_close();
  }

  void process_frames() {
    std::size_t pos = 0;
    while (!closed_ && !backlogged() && rx_len_ - pos >= 2) {
      std::size_t len = (std::size_t{rx_[pos]} << 8) | rx_[pos + 1];
      if (rx_len_ - pos < 2 + len) break;
      handle(std::span<const std::uint8_t>(rx_.data() + pos + 2, len));
      pos += 2 + len;
    }
    if (pos > 0) {
      std::memmove(rx_.data(), rx_.data() + pos, rx_len_ - pos);
      rx_len_ -= pos;
      touch();
    }
    if (rx_len_ >= 2) {  // make room for the whole next frame (at most 2 + 65535)
      std::size_t need = 2 + ((std::size_t{rx_[0]} << 8) | rx_[1]);
      if (need > rx_.size()) rx_.resize(need);
    }
  }

  void handle(std::span<const std::uint8_t> msg) {
    WorkerStats& stats = w_.stats();
    const std::uint64_t t0 = now_ns();
    if (msg.empty()) {  // zero-length message: nothing to answer; the connection stays usable
      stats.dropped.add();
      return;
    }
    std::span<std::uint8_t> out = w_.tcp_scratch();
    QueryContext ctx;
    ctx.cookie_secret = w_.cookie_secret();
    ctx.client = client_;
    ctx.now = unix_seconds();
    QueryResult r = process_query(w_.zones(), msg, out, Transport::kTcp, allowed_, &ctx);
    stats.count_request(Proto::kTcp, r.qtype);
    count_defences(stats, ctx);
    if (r.action == QueryAction::kRespond) {
      append(out.first(r.size));
      stats.count_response(r.rcode);
      stats.observe_ns(now_ns() - t0);
      return;
    }
    if (r.action == QueryAction::kDrop) {
      stats.dropped.add();
      return;
    }
    forward::Question q;
    if (!forward::parse_question(msg, q)) {
      stats.dropped.add();
      return;
    }
    if (std::size_t n = w_.forwarder()->answer_from_cache(q, true, out); n > 0) {
      append(out.first(n));
      stats.count_response(out[3] & 0x0f);
      stats.observe_ns(now_ns() - t0);
      return;
    }
    ++outstanding_;
    w_.forward_client()->resolve(q, true, [self = shared_from_this(), t0](std::span<const std::uint8_t> reply) {
      --self->outstanding_;
      if (self->closed_) return;
      if (reply.size() >= 12) {
        self->append(reply);
        self->w_.stats().count_response(reply[3] & 0x0f);
        self->w_.stats().observe_ns(now_ns() - t0);
      } else {
        self->w_.stats().dropped.add();
      }
      self->resume();
    });
  }

  void append(std::span<const std::uint8_t> reply) {
    out_pending_.push_back(static_cast<std::uint8_t>(reply.size() >> 8));
    out_pending_.push_back(static_cast<std::uint8_t>(reply.size()));
    out_pending_.insert(out_pending_.end(), reply.begin(), reply.end());
  }

  void flush() {
    if (writing_ || closed_ || out_pending_.empty()) return;
    std::swap(out_pending_, out_writing_);
    writing_ = true;
    asio::async_write(socket_, asio::buffer(out_writing_),
                      with_memory(write_memory_, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing_ = false;
                        self->out_writing_.clear();
                        if (ec) return self->close();
                        self->resume();
                      }));
  }

  void maybe_close() {
    if (closed_) return;  // (a read still in flight is cancelled by close())
    bool done = peer_closed_ || stopping_;
    bool owed = outstanding_ > 0 || writing_ || !out_pending_.empty() || has_complete_frame();
    if (done && !owed) close();
  }
  // Frames already read are still answered after the peer's EOF, not after a stop.
  bool has_complete_frame() const {
    return !stopping_ && rx_len_ >= 2 && rx_len_ >= 2 + ((std::size_t{rx_[0]} << 8) | rx_[1]);
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    w_.unregister_session(this);  // the slot is free now, not when the last handler ran
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  Worker& w_;
  HandlerMemory read_memory_;   // declared before socket_: outlives every operation on it
  HandlerMemory write_memory_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point last_active_;  // last complete message (or accept)
  std::vector<std::uint8_t> rx_;
  const ClientAddress client_;  // for server cookies
  std::size_t rx_len_ = 0;
  std::vector<std::uint8_t> out_pending_;
  std::vector<std::uint8_t> out_writing_;
  std::size_t outstanding_ = 0;
  bool allowed_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool peer_closed_ = false;
  bool stopping_ = false;
  bool closed_ = false;
};

void Worker::accept(tcp::acceptor& a) {
  a.async_accept([this, &a](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (ec) {
      // E.g. EMFILE: do not spin; try again shortly.
      auto t = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
      t->async_wait([this, &a, t](boost::system::error_code ec) {
        if (!ec && !stopping_) accept(a);
      });
      return;
    }
    boost::system::error_code peer_ec;
    tcp::endpoint peer = socket.remote_endpoint(peer_ec);
    if (peer_ec || !admit(client_key(peer.address()))) {
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<TcpSession>(*this, std::move(socket), peer)->start();
    }
    accept(a);
  });
}

void Worker::begin_stop() {
  stopping_ = true;
  work_.reset();
  boost::system::error_code ignored;
  for (auto& a : acceptors_) a->close(ignored);
  refresh_timer_.cancel();
  // shutdown() may close (and so unregister) a session: iterate over a copy.
  std::vector<TcpConnection*> sessions;
  for (TcpConnection& c : all_) sessions.push_back(&c);
  for (TcpConnection* c : sessions) c->shutdown();
}

// ---------------------------------------------------------------------------------------
// Server

struct Server::Impl {
  ServerOptions options;
  SipKey cookie_secret{};  // [dns] cookie_secret_file, or random
  SipKey rrl_key{};        // random: the RRL table index
  // Declared first, destroyed last: the workers' io threads send forwarded replies
  // through these sockets until they are joined.
  std::vector<std::unique_ptr<UdpLoop>> udp_loops;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::string> bound;
  bool started = false;
  bool stopped = false;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(std::chrono::milliseconds(0)); }

namespace {

// A blocking UDP socket (its thread waits in recvmmsg) with SO_REUSEPORT; -1 and `ec` on
// failure. `port` 0 is replaced by the port the kernel chose.
int open_udp(const ListenSpec& spec, std::uint16_t& port, boost::system::error_code& ec) {
  udp::endpoint ep(spec.address, port);
  int fd = ::socket(ep.protocol().family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  auto fail = [&]() {
    ec = boost::system::error_code(errno, boost::system::system_category());
    if (fd >= 0) ::close(fd);
    return -1;
  };
  if (fd < 0) return fail();
  int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) return fail();
  if (spec.address.is_v6()) {
    // An explicit "[::]:53" is IPv6 only, as in Knot and NSD, so it can sit beside
    // "0.0.0.0:53"; only the bare ":53" form takes both families.
    int v6only = spec.dual_stack ? 0 : 1;
    if (::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0) return fail();
  }
  if (spec.wildcard) {
    if (spec.address.is_v6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
    ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  }
  int rcvbuf = 4 << 20;  // best effort: bursts are absorbed by the socket buffer
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  timeval idle{1, 0};  // an idle thread wakes every second (snapshot refresh)
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
  if (::bind(fd, ep.data(), static_cast<socklen_t>(ep.size())) != 0) return fail();
  if (port == 0) {
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) return fail();
    port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  return fd;
}

boost::system::error_code open_tcp(tcp::acceptor& a, const ListenSpec& spec, std::uint16_t port) {
  boost::system::error_code ec;
  tcp::endpoint ep(spec.address, port);
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.set_option(ReusePort(true), ec);
  if (!ec && spec.address.is_v6()) a.set_option(asio::ip::v6_only(!spec.dual_stack), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(1024, ec);
  return ec;
}

// SO_REUSEPORT would let a second mcns-dns (same user) join the first one's sockets and
// silently take half its traffic. A probe bound without it fails with EADDRINUSE when
// anything holds the address already, so a double start is an error instead.
boost::system::error_code probe_free(const ListenSpec& spec) {
  boost::system::error_code ec;
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    udp::endpoint ep(spec.address, spec.port);
    int fd = ::socket(ep.protocol().family(), type | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int on = 1;
    if (type == SOCK_STREAM) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // TIME_WAIT is fine
    if (spec.address.is_v6()) {
      int v6only = spec.dual_stack ? 0 : 1;
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (::bind(fd, ep.data(), static_cast<socklen_t>(ep.size())) != 0 && errno == EADDRINUSE)
      ec = asio::error::address_in_use;
    ::close(fd);
    if (ec) break;
  }
  return ec;
}

}  // namespace

Status Server::check(const ServerOptions& options) {
  if (options.listen.empty()) return invalid_argument("[dns] listen: at least one address is required");
  for (const auto& l : options.listen) MCNS_RETURN_IF_ERROR(parse_listen(l).status());
  if (options.threads < 0) return invalid_argument("[dns] threads must be 0 (one per core) or more");
  if (!options.cookie_secret_file.empty()) MCNS_RETURN_IF_ERROR(load_cookie_secret(options.cookie_secret_file).status());
  return ok_status();
}

StatusOr<std::unique_ptr<Server>> Server::bind(const ServerOptions& options, const zone::SnapshotHolder& holder,
                                               forward::Forwarder* forwarder, metrics::Registry* registry) {
  MCNS_RETURN_IF_ERROR(check(options));
  std::vector<ListenSpec> specs;
  for (const auto& l : options.listen) {
    MCNS_ASSIGN_OR_RETURN(ListenSpec spec, parse_listen(l));
    specs.push_back(std::move(spec));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  MCNS_ASSIGN_OR_RETURN(impl->cookie_secret, load_cookie_secret(options.cookie_secret_file));
  MCNS_ASSIGN_OR_RETURN(impl->rrl_key, load_cookie_secret(""));
  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, threads);
  for (int i = 0; i < threads; ++i) {
    impl->workers.push_back(std::make_unique<Worker>(i, threads, holder, forwarder, impl->options));
    impl->workers.back()->set_cookie_secret(&impl->cookie_secret);
  }

  for (const ListenSpec& spec : specs) {
    // With port 0 the first socket picks the port and every other socket (UDP and TCP,
    // every worker) binds the same one; if TCP finds it taken, start over.
    if (spec.port != 0 && probe_free(spec))
      return unavailable(str_cat("[dns] listen ", spec.text, ": address already in use (another mcns-dns?)"));
    constexpr int kAttempts = 20;
    bool bound = false;
    for (int attempt = 0; attempt < kAttempts && !bound; ++attempt) {
      std::uint16_t port = spec.port;
      std::vector<int> udps;
      std::vector<tcp::acceptor> tcps;
      boost::system::error_code ec;
      for (auto& w : impl->workers) {
        int u = open_udp(spec, port, ec);
        if (u < 0) break;
        udps.push_back(u);
        tcp::acceptor a(w->io());
        ec = open_tcp(a, spec, port);
        if (ec) break;
        tcps.push_back(std::move(a));
      }
      if (ec) {
        for (int fd : udps) ::close(fd);
        if (spec.port == 0 && ec == asio::error::address_in_use) continue;
        return unavailable(str_cat("[dns] listen ", spec.text, ": cannot bind: ", ec.message()));
      }
      for (std::size_t i = 0; i < impl->workers.size(); ++i) {
        std::unique_ptr<RateLimiter> rrl;
        if (options.rrl_responses_per_second > 0)
          rrl = std::make_unique<RateLimiter>(rrl_share(options.rrl_responses_per_second, i, impl->workers.size()),
                                              options.rrl_slip, impl->rrl_key);
        impl->udp_loops.push_back(std::make_unique<UdpLoop>(*impl->workers[i], udps[i], spec.wildcard, holder,
                                                            &impl->cookie_secret, std::move(rrl)));
        impl->workers[i]->add_tcp(std::move(tcps[i]));
      }
      impl->bound.push_back(endpoint_text(spec.address, port));
      bound = true;
    }
    if (!bound) return unavailable(str_cat("[dns] listen ", spec.text, ": no free port found"));
  }

  if (registry) {
    std::vector<const WorkerStats*> stats;
    for (const auto& w : impl->workers) stats.push_back(&w->stats());
    for (const auto& u : impl->udp_loops) stats.push_back(&u->stats());
    // NOTE: the registry must stop serving before the Server is destroyed.
    registry->add_collector([stats](std::string& out) { render_stats(stats, out); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::vector<std::string> Server::bound_addresses() const { return impl_->bound; }
int Server::threads() const noexcept { return static_cast<int>(impl_->workers.size()); }

void Server::start() {
  if (impl_->started) return;
  impl_->started = true;
  for (auto& w : impl_->workers) w->start_thread();
  for (auto& u : impl_->udp_loops) u->start();
}

bool Server::stop(std::chrono::milliseconds drain) {
  if (!impl_->started || impl_->stopped) return true;
  impl_->stopped = true;
  // UDP first: once its threads are joined nothing posts new forwards to the workers.
  for (auto& u : impl_->udp_loops) u->request_stop();
  for (auto& u : impl_->udp_loops) u->join();
  for (auto& w : impl_->workers) {
    Worker* raw = w.get();
    asio::post(raw->io(), [raw] { raw->begin_stop(); });
  }
  auto deadline = std::chrono::steady_clock::now() + drain;
  bool in_time = true;
  for (auto& w : impl_->workers) in_time = w->finish(deadline) && in_time;
  return in_time;
}

}  // namespace mcns::frontend::server
