#include "services/dns-frontend/server/tcp_session.h"

#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <algorithm>

#include <cerrno>
#include <cstring>

#include "services/dns-frontend/forward/forwarder.h"
#include "services/dns-frontend/query/query_processor.h"
#include "services/dns-frontend/server/clock.h"
#include "services/dns-frontend/server/worker.h"

namespace mcns::frontend::server {

// Cost model (docs/PERFORMANCE.md): a connection that wakes up costs its share of one
// epoll_wait, one recv with data, one send for every reply that read produced, and
// usually one recv that finds nothing (Asio's speculative read when the next read is
// started). No timer is touched per query: the idle timer is armed
// once per idle period and re-armed only when it fires early.

TcpSession::TcpSession(Worker& w, tcp::socket socket, const tcp::endpoint& peer)
    : TcpConnection(client_key(peer.address())),
      w_(w),
      socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      rx_(kTcpInitialRx),
      client_(ClientAddress::from_sockaddr(peer.data())) {
  forward::Forwarder* fwd = w_.forwarder();
  allowed_ = fwd != nullptr && fwd->allowed(peer.data());
}

TcpSession::~TcpSession() { w_.unregister_session(this); }

void TcpSession::start() {
  last_active_ = std::chrono::steady_clock::now();
  w_.register_session(this);
  boost::system::error_code ec;
  // Replies leave at once. Knot and NSD leave Nagle on, which holds a reply until the
  // client's next segment: less CPU on loopback, ~1 ms (up to the client's delayed-ACK
  // timer) more latency per pipelined reply (docs/ARCHITECTURE.md, decision 57).
  socket_.set_option(tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);  // flush() writes directly and falls back to async_write
  arm_timer();
  read();
}

void TcpSession::shutdown() {
  stopping_ = true;
  maybe_close();
}

bool TcpSession::idle() const {
  return !closed_ && outstanding_ == 0 && !writing_ && out_pending_.empty() && !has_complete_frame();
}

void TcpSession::rearm() {
  if (!closed_) arm_timer();
}

void TcpSession::touch() {
  last_active_ = std::chrono::steady_clock::now();
  w_.touched(this);
}

std::chrono::steady_clock::time_point TcpSession::deadline() const { return last_active_ + w_.idle_timeout(); }

void TcpSession::arm_timer() {
  timer_.expires_at(deadline());
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->closed_) return;
    if (std::chrono::steady_clock::now() < self->deadline()) return self->arm_timer();
    if (self->outstanding_ == 0) return self->close();  // idle, or the peer stopped reading
    self->last_active_ = std::chrono::steady_clock::now();  // forwards are bounded by their own timeouts
    self->arm_timer();
  });
}

void TcpSession::read() {
  if (reading_ || closed_ || peer_closed_ || stopping_ || backlogged()) return;
  if (rx_.size() - rx_len_ < 512 && rx_.size() < kTcpMaxFrame) rx_.resize(std::min(kTcpMaxFrame, rx_.size() * 2));
  reading_ = true;
  // NOTE: Asio tries the recv at once (speculatively) and only waits for an epoll edge
  // when it finds nothing; async_wait(wait_read) would avoid that recv but costs an
  // epoll_ctl re-arm every time in Boost 1.74, which measured worse (docs/PERFORMANCE.md).
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

void TcpSession::resume() {
  // Every complete message read so far is answered, and all the replies leave with one
  // send (written directly: no completion goes through the io_context).
  process_frames();
  flush();
  read();
  maybe_close();
}

void TcpSession::process_frames() {
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

void TcpSession::handle(std::span<const std::uint8_t> msg) {
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
  dns_wire::ParsedQuery parsed;  // read once: a forwarded query's question comes from it
  ctx.parsed = &parsed;
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
  forward::question_from_parsed(parsed, q);  // kForward comes only after a kOk parse
  if (std::size_t n = w_.answer_from_cache(q, true, out); n > 0) {
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

void TcpSession::append(std::span<const std::uint8_t> reply) {
  out_pending_.push_back(static_cast<std::uint8_t>(reply.size() >> 8));
  out_pending_.push_back(static_cast<std::uint8_t>(reply.size()));
  out_pending_.insert(out_pending_.end(), reply.begin(), reply.end());
}

void TcpSession::flush() {
  if (writing_ || closed_ || out_pending_.empty()) return;
  // Direct write first (the socket is non-blocking): nearly always it takes everything,
  // and no completion has to go through the io_context.
  boost::system::error_code ec;
  std::size_t n = socket_.write_some(asio::buffer(out_pending_), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    ec.clear();
    n = 0;
  }
  if (ec) return close();
  if (n == out_pending_.size()) {
    out_pending_.clear();
    return;
  }
  // The peer reads slower than we answer: the rest goes out asynchronously, and reading
  // pauses once out_pending_ passes kTcpMaxPendingOut (back-pressure).
  out_writing_.assign(out_pending_.begin() + static_cast<std::ptrdiff_t>(n), out_pending_.end());
  out_pending_.clear();
  writing_ = true;
  asio::async_write(socket_, asio::buffer(out_writing_),
                    with_memory(write_memory_, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                      self->writing_ = false;
                      self->out_writing_.clear();
                      if (ec) return self->close();
                      self->resume();
                    }));
}

void TcpSession::maybe_close() {
  if (closed_) return;  // (a read still in flight is cancelled by close())
  bool done = peer_closed_ || stopping_;
  bool owed = outstanding_ > 0 || writing_ || !out_pending_.empty() || has_complete_frame();
  if (done && !owed) close();
}

void TcpSession::close() {
  if (closed_) return;
  closed_ = true;
  w_.unregister_session(this);  // the slot is free now, not when the last handler ran
  boost::system::error_code ignored;
  timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace mcns::frontend::server
