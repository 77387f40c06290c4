#include "services/dns-frontend/forward/forwarder.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <stdlib.h>  // arc4random (glibc >= 2.36)

#include <algorithm>
#include <array>

#include "common/base/strings.h"

namespace mcns::frontend::forward {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kUdpAnswerBuffer = 4096;  // we advertise 1232; leave room for servers that ignore it

StatusOr<udp::endpoint> parse_upstream(const std::string& text) {
  std::string_view t = trim(text);
  std::string host;
  std::uint16_t port = 53;
  std::size_t colons = static_cast<std::size_t>(std::count(t.begin(), t.end(), ':'));
  if (!t.empty() && t.front() == '[') {
    auto close = t.find(']');
    if (close == std::string_view::npos) return invalid_argument(str_cat("[forward] upstreams: \"", text, "\" is not [address]:port"));
    host = std::string(t.substr(1, close - 1));
    if (close + 1 < t.size()) {
      if (t[close + 1] != ':') return invalid_argument(str_cat("[forward] upstreams: \"", text, "\" is not [address]:port"));
      auto p = parse_int<std::uint16_t>(t.substr(close + 2));
      if (!p || *p == 0) return invalid_argument(str_cat("[forward] upstreams: \"", text, "\" has an invalid port"));
      port = *p;
    }
  } else if (colons == 1) {
    host = std::string(t.substr(0, t.find(':')));
    auto p = parse_int<std::uint16_t>(t.substr(t.find(':') + 1));
    if (!p || *p == 0) return invalid_argument(str_cat("[forward] upstreams: \"", text, "\" has an invalid port"));
    port = *p;
  } else {
    host = std::string(t);  // a bare IPv4 or IPv6 address: port 53
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec)
    return invalid_argument(str_cat("[forward] upstreams: \"", text,
                                    "\" must be an IP address with an optional port (no host names: "
                                    "resolving them would need the resolver being configured)"));
  return udp::endpoint(address, port);
}

std::string endpoint_text(const udp::endpoint& ep) {
  if (ep.address().is_v6()) return str_cat("[", ep.address().to_string(), "]:", ep.port());
  return str_cat(ep.address().to_string(), ":", ep.port());
}

std::string transaction_key(const Question& q) {
  std::string key;
  key.reserve(5 + q.name_len);
  key.push_back(q.do_bit ? 1 : 0);
  key.push_back(static_cast<char>(q.qtype >> 8));
  key.push_back(static_cast<char>(q.qtype));
  key.push_back(static_cast<char>(q.qclass >> 8));
  key.push_back(static_cast<char>(q.qclass));
  key.append(reinterpret_cast<const char*>(q.lower), q.name_len);
  return key;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Forwarder

Forwarder::Forwarder(const ForwarderOptions& options, AllowList allow, std::vector<udp::endpoint> upstreams)
    : options_(options),
      allow_(std::move(allow)),
      upstreams_(std::move(upstreams)),
      cache_(options.max_entries, options.max_bytes) {}

Forwarder::~Forwarder() = default;

StatusOr<std::unique_ptr<Forwarder>> Forwarder::create(const ForwarderOptions& options, metrics::Registry* registry) {
  MCNS_ASSIGN_OR_RETURN(AllowList allow, AllowList::parse(options.allow));
  std::vector<udp::endpoint> upstreams;
  for (const auto& u : options.upstreams) {
    MCNS_ASSIGN_OR_RETURN(udp::endpoint ep, parse_upstream(u));
    upstreams.push_back(ep);
  }
  std::unique_ptr<Forwarder> f(new Forwarder(options, std::move(allow), std::move(upstreams)));
  f->upstream_errors_.assign(f->upstreams_.size(), nullptr);
  if (registry) {
    for (std::size_t i = 0; i < f->upstreams_.size(); ++i)
      f->upstream_errors_[i] = &registry->counter("mcns_forward_upstream_errors_total",
                                                  "Failed upstream attempts (timeout, network error, "
                                                  "malformed answer, SERVFAIL/REFUSED).",
                                                  {{"upstream", endpoint_text(f->upstreams_[i])}});
    const ForwardCache* cache = &f->cache_;
    // NOTE: the registry must stop serving (HttpEndpoint destroyed) before the Forwarder.
    registry->add_collector([cache](std::string& out) {
      out += str_cat("# HELP mcns_forward_cache_hits_total Forwarded queries answered from the cache.\n"
                     "# TYPE mcns_forward_cache_hits_total counter\n"
                     "mcns_forward_cache_hits_total ", cache->hits(), "\n",
                     "# HELP mcns_forward_cache_misses_total Forwarded queries not in the cache (sent upstream).\n"
                     "# TYPE mcns_forward_cache_misses_total counter\n"
                     "mcns_forward_cache_misses_total ", cache->misses(), "\n",
                     "# HELP mcns_forward_cache_entries Answers held by the forwarding cache.\n"
                     "# TYPE mcns_forward_cache_entries gauge\n"
                     "mcns_forward_cache_entries ", cache->size(), "\n",
                     "# HELP mcns_forward_cache_bytes Memory held by the forwarding cache's answers (bounded by [forward] max_bytes).\n"
                     "# TYPE mcns_forward_cache_bytes gauge\n"
                     "mcns_forward_cache_bytes ", cache->bytes(), "\n");
    });
  }
  return f;
}

void Forwarder::count_upstream_error(std::size_t upstream) noexcept {
  if (upstream < upstream_errors_.size() && upstream_errors_[upstream]) upstream_errors_[upstream]->inc();
}

// ---------------------------------------------------------------------------------------
// ForwardClient::Transaction: one upstream resolution, shared by identical misses.
//
// Every asynchronous step captures the attempt generation; moving to another attempt (or
// finishing) bumps it, so late callbacks of an abandoned attempt do nothing.

class ForwardClient::Transaction : public std::enable_shared_from_this<Transaction> {
 public:
  Transaction(ForwardClient& owner, std::string key, const Question& q)
      : owner_(&owner),
        alive_(owner.alive_),
        key_(std::move(key)),
        q_(q),
        udp_(owner.io_),
        tcp_(owner.io_),
        timer_(owner.io_) {}

  bool add_waiter(const Question& q, bool tcp, Done done) {
    if (waiters_.size() >= owner_->forwarder_.options().max_waiters) return false;
    waiters_.push_back({q, tcp, std::move(done)});
    return true;
  }

  void start() { attempt_udp(); }

 private:
  struct Waiter {
    Question q;
    bool tcp;
    Done done;
  };

  Forwarder& fwd() { return owner_->forwarder_; }
  bool live() const { return !finished_ && *alive_; }

  void close_sockets() {
    boost::system::error_code ignored;
    udp_.close(ignored);
    tcp_.close(ignored);
    timer_.cancel();
  }

  void arm_timer() {
    timer_.expires_after(fwd().options().timeout);
    timer_.async_wait([self = shared_from_this(), gen = gen_](boost::system::error_code ec) {
      if (ec || gen != self->gen_ || !self->live()) return;
      self->fail_attempt();
    });
  }

  void attempt_udp() {
    ++gen_;
    close_sockets();
    id_ = static_cast<std::uint16_t>(arc4random());
    query_len_ = build_upstream_query(q_, id_, query_);
    const udp::endpoint& ep = fwd().upstreams()[upstream_];
    boost::system::error_code ec;
    udp_.open(ep.protocol(), ec);
    // connect() binds a fresh kernel-chosen (randomised) source port and makes the
    // kernel drop datagrams from any other address or port.
    if (!ec) udp_.connect(ep, ec);
    if (!ec) udp_.non_blocking(true, ec);
    if (!ec) udp_.send(asio::buffer(query_, query_len_), 0, ec);
    if (ec) return fail_attempt();
    buf_.resize(kUdpAnswerBuffer);
    arm_timer();
    receive_udp();
  }

  void receive_udp() {
    udp_.async_receive(asio::buffer(buf_), [self = shared_from_this(), gen = gen_](boost::system::error_code ec,
                                                                                    std::size_t n) {
      if (gen != self->gen_ || !self->live()) return;
      if (ec) return self->fail_attempt();  // e.g. ICMP port unreachable: no need to wait
      std::span<const std::uint8_t> answer(self->buf_.data(), n);
      if (!answer_matches(answer, self->id_, self->q_)) return self->receive_udp();  // spoofed or stray: ignore
      if (truncated(answer)) return self->attempt_tcp();
      self->handle_answer(answer);
    });
  }

  void attempt_tcp() {
    ++gen_;
    close_sockets();
    const udp::endpoint& u = fwd().upstreams()[upstream_];
    tcp::endpoint ep(u.address(), u.port());
    len_prefix_[0] = static_cast<std::uint8_t>(query_len_ >> 8);
    len_prefix_[1] = static_cast<std::uint8_t>(query_len_);
    arm_timer();
    tcp_.async_connect(ep, [self = shared_from_this(), gen = gen_](boost::system::error_code ec) {
      if (gen != self->gen_ || !self->live()) return;
      if (ec) return self->fail_attempt();
      std::array<asio::const_buffer, 2> out = {asio::buffer(self->len_prefix_, 2),
                                               asio::buffer(self->query_, self->query_len_)};
      asio::async_write(self->tcp_, out, [self, gen](boost::system::error_code ec, std::size_t) {
        if (gen != self->gen_ || !self->live()) return;
        if (ec) return self->fail_attempt();
        self->read_tcp_length();
      });
    });
  }

  void read_tcp_length() {
    asio::async_read(tcp_, asio::buffer(len_prefix_, 2), [self = shared_from_this(), gen = gen_](
                                                             boost::system::error_code ec, std::size_t) {
      if (gen != self->gen_ || !self->live()) return;
      std::size_t len = (std::size_t{self->len_prefix_[0]} << 8) | self->len_prefix_[1];
      if (ec || len < dns_wire::kHeaderSize) return self->fail_attempt();
      self->buf_.resize(len);
      asio::async_read(self->tcp_, asio::buffer(self->buf_), [self, gen](boost::system::error_code ec, std::size_t n) {
        if (gen != self->gen_ || !self->live()) return;
        if (ec) return self->fail_attempt();
        std::span<const std::uint8_t> answer(self->buf_.data(), n);
        if (!answer_matches(answer, self->id_, self->q_)) return self->fail_attempt();
        self->handle_answer(answer);
      });
    });
  }

  void handle_answer(std::span<const std::uint8_t> answer) {
    PreparedAnswer prepared;
    if (prepare_answer(answer, fwd().options().max_ttl, prepared) != PrepareResult::kOk) return fail_attempt();
    if (prepared.lifetime > 0 && fwd().options().max_entries > 0)  // max_entries 0: no caching
      fwd().cache().insert(q_, prepared, ForwardCache::now_ms());
    finish(&prepared);
  }

  void fail_attempt() {
    fwd().count_upstream_error(upstream_);
    ++gen_;
    close_sockets();
    if (++upstream_ < fwd().upstreams().size()) return attempt_udp();
    finish(nullptr);
  }

  // Delivers the answer (or SERVFAIL when `answer` is null) to every waiter.
  void finish(const PreparedAnswer* answer) {
    auto self = shared_from_this();
    finished_ = true;
    ++gen_;
    close_sockets();
    if (!*alive_) return;
    owner_->in_flight_.erase(key_);  // later identical misses start a new transaction
    std::vector<std::uint8_t>& out = owner_->scratch_;
    for (Waiter& w : waiters_) {
      std::size_t limit = reply_limit(w.q, w.tcp, out.size());
      std::size_t n = answer ? render_answer(AnswerView{answer->wire, answer->ttls}, 0, w.q, out, limit)
                             : render_error(w.q, dns_wire::rcode::kServFail, out, limit);
      w.done(std::span<const std::uint8_t>(out.data(), n));
    }
    waiters_.clear();
  }

  ForwardClient* owner_;
  std::shared_ptr<bool> alive_;
  std::string key_;
  Question q_;
  std::vector<Waiter> waiters_;
  std::size_t upstream_ = 0;
  std::uint64_t gen_ = 0;
  bool finished_ = false;
  std::uint16_t id_ = 0;
  std::uint8_t query_[dns_wire::kHeaderSize + kMaxNameWire + 4 + dns_wire::kOptSize] = {};
  std::size_t query_len_ = 0;
  std::uint8_t len_prefix_[2] = {};
  udp::socket udp_;
  tcp::socket tcp_;
  asio::steady_timer timer_;
  std::vector<std::uint8_t> buf_;
};

// ---------------------------------------------------------------------------------------
// ForwardClient

ForwardClient::ForwardClient(Forwarder& forwarder, asio::io_context& io)
    : forwarder_(forwarder), io_(io), scratch_(65535), alive_(std::make_shared<bool>(true)) {}

ForwardClient::~ForwardClient() { *alive_ = false; }

void ForwardClient::resolve(const Question& q, bool tcp, Done done) {
  std::string key = transaction_key(q);
  if (auto it = in_flight_.find(key); it != in_flight_.end()) {
    if (it->second->add_waiter(q, tcp, done)) return;
  } else if (in_flight_.size() < forwarder_.options().max_in_flight && forwarder_.enabled()) {
    auto t = std::make_shared<Transaction>(*this, key, q);
    t->add_waiter(q, tcp, std::move(done));
    in_flight_.emplace(std::move(key), t);
    // Started from the event loop so that `done` never runs inside resolve().
    asio::post(io_, [t] { t->start(); });
    return;
  }
  // Over a bound (or no upstreams): SERVFAIL now rather than queue without limit.
  asio::post(io_, [this, q, tcp, done = std::move(done), alive = alive_] {
    if (!*alive) return;
    std::size_t n = render_error(q, dns_wire::rcode::kServFail, scratch_, reply_limit(q, tcp, scratch_.size()));
    done(std::span<const std::uint8_t>(scratch_.data(), n));
  });
}

}  // namespace mcns::frontend::forward
