#include "services/control/rest/https_server.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <cctype>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/config/config.h"
#include "services/control/rest/connection_table.h"

namespace mcns::control::rest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {
class Session;

std::string json_error(std::string_view message) {
  // Only fixed, quote-free messages come through here.
  return str_cat("{\"error\":\"", message, "\"}");
}

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

// The key of the per-client cap: the address alone, an IPv4 client on a dual-stack
// listener in its IPv4 form so that it is counted once however it arrives.
std::string client_key(const asio::ip::address& addr) {
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6()).to_string();
  return addr.to_string();
}

// Descriptors the rest of the process needs beside REST connections (SQLite, gRPC and
// its watch streams, metrics, DNS listeners): a quarter of the limit, at least 32.
std::size_t connections_the_fd_limit_allows() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return SIZE_MAX;
  auto soft = static_cast<std::size_t>(limit.rlim_cur);
  std::size_t reserve = std::max<std::size_t>(32, soft / 4);
  return soft > reserve ? soft - reserve : 1;
}

std::string endpoint_text(const tcp::endpoint& ep) {
  auto addr = ep.address();
  if (addr.is_v6()) return str_cat("[", addr.to_string(), "]:", ep.port());
  return str_cat(addr.to_string(), ":", ep.port());
}
}  // namespace

// Member order matters: sessions (owned by handlers queued in `ioc` and `workers`)
// touch `mu`, `sessions`, `table` and `ctx` when they die, so those are declared first
// and destroyed last; `workers` is joined before `ioc` goes away.
struct HttpsServer::Core {
  HttpsServerOptions options;
  Handler handler;
  ssl::context ctx{ssl::context::tls_server};
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<ConnectionId, std::weak_ptr<Session>> sessions;  // guarded by mu
  ConnectionTable table{{}};                                          // guarded by mu
  std::atomic<bool> draining{false};
  bool stopped = false;  // guarded by mu
  // True while accepting waits out an accept error (Core::back_off_accepting).
  std::atomic<bool> accept_paused{false};
  // Requests posted to `workers` and not finished yet; bounded by worker threads plus
  // options.handler_queue_limit.
  std::atomic<std::size_t> handlers_in_flight{0};
  std::size_t handler_limit = 0;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  // Accept-error backoff, on the acceptor's strand (`accept_paused` is read elsewhere).
  asio::steady_timer accept_timer{acceptor.get_executor()};
  std::chrono::milliseconds accept_delay{0};
  std::chrono::steady_clock::time_point last_accept_warning{};
  std::uint64_t accept_failures_unlogged = 0;
  std::uint16_t port = 0;
  std::string address;
  std::vector<std::thread> io_threads;
  std::optional<asio::thread_pool> workers;

  void do_accept();
  void on_accept(error_code ec, tcp::socket socket);
  void back_off_accepting(error_code ec);
  void admit(tcp::socket socket);
  // Connection state for the caps; all under `mu`.
  bool mark_busy(ConnectionId id) {
    std::lock_guard lock(mu);
    return table.mark_busy(id);
  }
  void mark_idle(ConnectionId id) {
    std::lock_guard lock(mu);
    table.mark_idle(id);
  }
  void remove(ConnectionId id) {
    {
      std::lock_guard lock(mu);
      table.remove(id);
      sessions.erase(id);
      cv.notify_all();
    }
    // A descriptor was freed: an accept that failed for want of one may succeed now.
    // (Not while draining: the acceptor and its timer may be gone already.)
    if (accept_paused && !draining) asio::post(acceptor.get_executor(), [this] { accept_timer.cancel(); });
  }
  bool drain(std::chrono::milliseconds deadline);
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpsServer::Core& core, ConnectionId id, std::string peer)
      : stream_(std::move(socket), core.ctx), core_(core), id_(id), peer_(std::move(peer)) {}
  ~Session() { core_.remove(id_); }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_handshake(); });
  }

  // Runs on the session's strand: the connection table gave this idle connection's slot
  // to a new one. No TLS goodbye: an idle peer may not be reading.
  void on_evicted() {
    if (closing_) return;
    log::debug(core_.options.name, ": closing idle connection from ", peer_, " to make room");
    closing_ = true;
    force_close();
  }

  // Runs on the session's strand: a connection waiting for its next request is closed at
  // once; one with a request in flight closes after its response.
  void on_drain() {
    if (!idle_) return;
    // No TLS goodbye for a connection that is waiting for a request: the peer may not
    // be reading, and the drain should not wait for it.
    closing_ = true;
    force_close();
  }
  void force_close() {
    error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(stream_).socket().close(ec);
  }
  auto executor() { return stream_.get_executor(); }

 private:
  void do_handshake() {
    beast::get_lowest_layer(stream_).expires_after(core_.options.handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](error_code ec) { self->on_handshake(ec); });
  }

  void on_handshake(error_code ec) {
    if (ec) {
      // A refused TLS version or a port scan: nothing to answer, and not worth a warning.
      log::debug(core_.options.name, ": TLS handshake with ", peer_, " failed: ", ec.message());
      return;
    }
    do_read();
  }

  void do_read() {
    if (core_.draining) return do_close();
    parser_.emplace();
    parser_->body_limit(core_.options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(core_.options.header_limit));
    // Until a whole request head is here, the connection may be closed to make room.
    core_.mark_idle(id_);
    if (buffer_.size() > 0) return do_read_header();  // a pipelined request is already here
    // Idle: wait for the first bytes of the next request, up to the idle timeout. Only
    // then does the (shorter) read timeout for the whole request start.
    idle_ = true;
    beast::get_lowest_layer(stream_).expires_after(core_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(16 * 1024),
                            [self = shared_from_this()](error_code ec, std::size_t n) { self->on_first_bytes(ec, n); });
  }

  void on_first_bytes(error_code ec, std::size_t n) {
    idle_ = false;
    if (ec) return do_close();  // closed by the peer, idle timeout, or drain
    buffer_.commit(n);
    do_read_header();
  }

  void do_read_header() {
    beast::get_lowest_layer(stream_).expires_after(core_.options.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (ec) return on_read(ec);
    // Evicted while the head was arriving: the close is on its way, serve nothing.
    if (!core_.mark_busy(id_)) return on_evicted();
    // curl and others send "Expect: 100-continue" before bodies over 1 KiB and wait a
    // second for the go-ahead; give it at once (an oversized body was refused above,
    // from its Content-Length, before we get here).
    if (iequals(sv(parser_->get()[http::field::expect]), "100-continue") && !parser_->is_done()) {
      continue_ = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(stream_, *continue_, [self = shared_from_this()](error_code ec, std::size_t) {
        if (ec) return self->do_close();
        self->do_read_body();
      });
      return;
    }
    do_read_body();
  }

  void do_read_body() {
    if (parser_->is_done()) return on_read({});
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted)
      return do_close();
    if (ec == http::error::body_limit) {
      // The client is most likely still sending the body: read and drop it after the
      // answer (a "lingering close"), or closing would reset the connection and the
      // client would lose the 413 before reading it.
      linger_ = true;
      return send_error(413, str_cat("request body too large (limit ", core_.options.body_limit, " bytes)"));
    }
    if (ec == http::error::header_limit) return send_error(431, "request headers too large");
    if (ec) {
      if (&ec.category() == &http::make_error_code(http::error::bad_method).category())
        return send_error(400, "malformed HTTP request");
      return do_close();
    }
    auto& msg = parser_->get();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    if (auto it = msg.find(http::field::authorization); it != msg.end()) req.authorization = std::string(it->value());
    for (const auto& field : msg) {
      if (field.name() == http::field::authorization) continue;
      std::string name(field.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      req.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    req.body = std::move(msg.body());
    req.peer = peer_;
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == http::verb::head;

    // A full queue answers at once rather than letting waits (and memory) grow without
    // bound behind a slow database or identity provider.
    if (core_.handlers_in_flight.fetch_add(1) >= core_.handler_limit) {
      core_.handlers_in_flight.fetch_sub(1);
      if (core_.options.on_protocol_error) core_.options.on_protocol_error(503);
      return do_write(Response{503, json_error("server busy")});
    }
    asio::post(*core_.workers, [self = shared_from_this(), req = std::move(req)]() mutable {
      Response res;
      try {
        res = self->core_.handler(req);
      } catch (const std::exception& e) {
        log::error(self->core_.options.name, ": handler failed for ", req.method, " ", req.target, ": ", e.what());
        res = Response{500, json_error("internal error")};
      }
      self->core_.handlers_in_flight.fetch_sub(1);
      asio::post(self->executor(), [self, res = std::move(res)]() mutable { self->do_write(std::move(res)); });
    });
  }

  void send_error(int status, std::string_view message) {
    if (core_.options.on_protocol_error) core_.options.on_protocol_error(status);
    keep_alive_ = false;  // the rest of the stream cannot be trusted to be a request
    do_write(Response{status, json_error(message)});
  }

  void do_write(Response r) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "mcns-control");
    if (r.status != 204 && r.status != 304) res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_ && !core_.draining);
    res->prepare_payload();
    if (head_) res->body().clear();
    res_ = res;
    beast::get_lowest_layer(stream_).expires_after(core_.options.write_timeout);
    http::async_write(stream_, *res_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(error_code ec) {
    bool keep = res_ && res_->keep_alive();
    res_.reset();
    if (!ec && linger_) return do_linger();
    if (ec || !keep) return do_close();
    do_read();
  }

  // Discards what the client still sends, bounded in bytes and time, then closes.
  void do_linger() {
    if (lingered_ > kMaxLinger) return do_close();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    stream_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](error_code ec, std::size_t n) {
      self->lingered_ += n;
      if (ec) return self->do_close();
      self->do_linger();
    });
  }

  void do_close() {
    if (closing_) return;
    closing_ = true;
    // A polite TLS close_notify; waiting for the peer's answer is bounded to a second so
    // that a peer that does not read cannot hold the connection (or a drain) open.
    beast::get_lowest_layer(stream_).expires_after(std::min(core_.options.write_timeout, std::chrono::milliseconds(1000)));
    stream_.async_shutdown([self = shared_from_this()](error_code) { self->force_close(); });
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  HttpsServer::Core& core_;
  const ConnectionId id_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> res_;
  std::shared_ptr<http::response<http::empty_body>> continue_;
  std::string peer_;
  bool idle_ = false;
  bool keep_alive_ = false;
  bool head_ = false;
  bool closing_ = false;
  bool linger_ = false;
  std::size_t lingered_ = 0;
  static constexpr std::size_t kMaxLinger = 1024 * 1024;
  std::array<char, 16 * 1024> scratch_{};
};

}  // namespace

void HttpsServer::Core::do_accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpsServer::Core::on_accept(error_code ec, tcp::socket socket) {
  if (draining || !acceptor.is_open()) return;
  if (ec) {
    // The peer gave up between SYN and accept: nothing is short, go on at once.
    if (ec == asio::error::connection_aborted || ec == asio::error::interrupted || ec == asio::error::try_again)
      return do_accept();
    return back_off_accepting(ec);
  }
  accept_delay = std::chrono::milliseconds(0);
  admit(std::move(socket));
  do_accept();
}

// EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection stays in the kernel's queue
// and the next accept would fail at once again, so retrying without a pause spins a
// core and floods the log. Wait 10 ms doubling to 1 s; a connection that closes frees a
// descriptor and ends the wait early (Core::remove). At most one log line a second
// (the longest wait), counting the failures it stands for.
void HttpsServer::Core::back_off_accepting(error_code ec) {
  using std::chrono::milliseconds;
  accept_delay = std::clamp(accept_delay * 2, milliseconds(10), milliseconds(1000));
  ++accept_failures_unlogged;
  auto now = std::chrono::steady_clock::now();
  if (now - last_accept_warning >= milliseconds(1000)) {
    log::warn(options.name, ": accept failed: ", ec.message(), " (", accept_failures_unlogged,
              " times since the last report); retrying in ", accept_delay.count(), " ms");
    last_accept_warning = now;
    accept_failures_unlogged = 0;
  }
  accept_paused = true;
  accept_timer.expires_after(accept_delay);
  accept_timer.async_wait([this](error_code) {
    accept_paused = false;
    if (draining || !acceptor.is_open()) return;
    do_accept();
  });
}

// Applies the connection caps before any TLS work: a refused connection costs one
// accept and one close.
void HttpsServer::Core::admit(tcp::socket socket) {
  error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // already gone; the socket closes as it goes out of scope
  std::string client = client_key(remote.address());
  std::shared_ptr<Session> evicted;
  std::shared_ptr<Session> session;
  ConnectionTable::Admission admission;
  {
    std::lock_guard lock(mu);
    admission = table.admit(client);
    if (admission.verdict == ConnectionTable::Verdict::kAdmitted) {
      if (admission.evicted) {
        if (auto it = sessions.find(*admission.evicted); it != sessions.end()) {
          evicted = it->second.lock();
          sessions.erase(it);
        }
      }
      session = std::make_shared<Session>(std::move(socket), *this, admission.id, endpoint_text(remote));
      sessions.emplace(admission.id, session);
    }
  }
  if (evicted) asio::post(evicted->executor(), [evicted] { evicted->on_evicted(); });
  evicted.reset();
  if (!session) {
    // Debug only: an attacker over its cap would otherwise write our log for us.
    log::debug(options.name, ": refused connection from ", endpoint_text(remote),
               admission.verdict == ConnectionTable::Verdict::kClientOverLimit ? " (per-client limit)"
                                                                               : " (connection limit)");
    socket.close(ec);
    return;
  }
  session->start();
}

bool HttpsServer::Core::drain(std::chrono::milliseconds deadline) {
  {
    std::lock_guard lock(mu);
    if (stopped) return true;
  }
  draining = true;
  // Close the listener on its strand and wait for it: once drain() goes on, no new
  // connection may be accepted (nor queued by the kernel).
  std::promise<void> closed;
  asio::post(acceptor.get_executor(), [this, &closed] {
    error_code ec;
    acceptor.close(ec);
    closed.set_value();
  });
  closed.get_future().wait();
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mu);
    for (auto& [raw, weak] : sessions)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) asio::post(s->executor(), [s] { s->on_drain(); });
  live.clear();
  bool clean;
  {
    std::unique_lock lock(mu);
    clean = cv.wait_for(lock, deadline, [this] { return sessions.empty(); });
    for (auto& [raw, weak] : sessions)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) asio::post(s->executor(), [s] { s->force_close(); });
  live.clear();
  guard.reset();
  ioc.stop();
  for (auto& t : io_threads)
    if (t.joinable()) t.join();
  if (workers) {
    workers->stop();
    workers->join();
  }
  std::lock_guard lock(mu);
  stopped = true;
  return clean;
}

StatusOr<std::unique_ptr<HttpsServer>> HttpsServer::start(HttpsServerOptions options, Handler handler) {
  auto core = std::make_shared<Core>();
  core->options = std::move(options);
  core->handler = std::move(handler);
  const auto& o = core->options;

  // TLS 1.3 only (SPEC sections 4 and 7); the process-wide floor in grpcutil agrees.
  core->ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_tlsv1_2);
  SSL_CTX_set_min_proto_version(core->ctx.native_handle(), TLS1_3_VERSION);
  error_code ec;
  core->ctx.use_certificate_chain_file(o.tls_cert, ec);
  if (ec) return invalid_argument(str_cat("cannot use certificate ", o.tls_cert, ": ", ec.message()));
  core->ctx.use_private_key_file(o.tls_key, ssl::context::pem, ec);
  if (ec) return invalid_argument(str_cat("cannot use key ", o.tls_key, ": ", ec.message()));

  MCNS_ASSIGN_OR_RETURN(config::HostPort hp, config::parse_host_port(o.listen_addr));
  tcp::endpoint ep;
  if (hp.host.empty()) {
    ep = tcp::endpoint(asio::ip::address_v6::any(), hp.port);
  } else {
    auto addr = asio::ip::make_address(hp.host, ec);
    if (ec) return invalid_argument(str_cat(o.name, ": listen address must be an IP address: ", o.listen_addr));
    ep = tcp::endpoint(addr, hp.port);
  }
  auto& acc = core->acceptor;
  acc.open(ep.protocol(), ec);
  if (ec && hp.host.empty()) {  // no IPv6 on this host: all IPv4 addresses instead
    ep = tcp::endpoint(asio::ip::address_v4::any(), hp.port);
    acc.open(ep.protocol(), ec);
  }
  if (ec) return unavailable(str_cat(o.name, ": cannot open socket: ", ec.message()));
  if (ep.address().is_v6()) acc.set_option(asio::ip::v6_only(false), ec);
  acc.set_option(asio::socket_base::reuse_address(true), ec);
  acc.bind(ep, ec);
  if (ec) return unavailable(str_cat(o.name, ": cannot bind ", o.listen_addr, ": ", ec.message()));
  acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unavailable(str_cat(o.name, ": cannot listen on ", o.listen_addr, ": ", ec.message()));
  auto local = acc.local_endpoint(ec);
  core->port = local.port();
  core->address = endpoint_text(local);

  std::size_t max_connections = std::max<std::size_t>(1, o.max_connections);
  if (std::size_t allowed = connections_the_fd_limit_allows(); allowed < max_connections) {
    // Without this an idle flood would exhaust descriptors before the cap, and accept
    // failures (not the cap's eviction of idle connections) would lock everyone out.
    log::warn(o.name, ": max_connections ", max_connections, " does not fit the descriptor limit; using ", allowed,
              " (raise LimitNOFILE / ulimit -n)");
    max_connections = allowed;
  }
  core->table = ConnectionTable({.max_connections = max_connections, .max_per_client = o.max_connections_per_client});
  core->handler_limit = static_cast<std::size_t>(std::max(1, o.worker_threads)) + o.handler_queue_limit;
  core->workers.emplace(static_cast<std::size_t>(std::max(1, o.worker_threads)));
  core->guard.emplace(core->ioc.get_executor());
  asio::dispatch(acc.get_executor(), [c = core.get()] { c->do_accept(); });
  for (int i = 0; i < std::max(1, o.io_threads); ++i) {
    core->io_threads.emplace_back([c = core.get()] {
      for (;;) {
        try {
          c->ioc.run();
          return;
        } catch (const std::exception& e) {
          // One connection's bug must not take the listener down (STYLE 3.2).
          log::error(c->options.name, ": I/O thread caught: ", e.what());
        }
      }
    });
  }
  return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(core)));
}

HttpsServer::HttpsServer(std::shared_ptr<Core> core) : core_(std::move(core)) {}
HttpsServer::~HttpsServer() { core_->drain(std::chrono::milliseconds(0)); }
std::uint16_t HttpsServer::port() const noexcept { return core_->port; }
std::string HttpsServer::address() const { return core_->address; }
bool HttpsServer::drain(std::chrono::milliseconds deadline) { return core_->drain(deadline); }
int HttpsServer::connections() const noexcept {
  std::lock_guard lock(core_->mu);
  return static_cast<int>(core_->sessions.size());
}
std::size_t HttpsServer::max_connections() const noexcept {
  std::lock_guard lock(core_->mu);
  return core_->table.limits().max_connections;
}

}  // namespace mcns::control::rest
