#include "services/dns-frontend/server/udp_loop.h"

#include <boost/asio/post.hpp>

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "services/dns-frontend/forward/forwarder.h"
#include "services/dns-frontend/server/clock.h"
#include "services/dns-frontend/server/worker.h"

namespace mcns::frontend::server {

namespace asio = boost::asio;

namespace {

std::uint16_t source_port(const sockaddr_storage& ss) noexcept {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  return 0;
}

}  // namespace

UdpLoop::UdpLoop(Worker& w, int fd, bool pktinfo, const zone::SnapshotHolder& holder, const SipKey* cookie_secret,
                 std::unique_ptr<RateLimiter> rrl)
    : w_(w),
      fd_(fd),
      pktinfo_(pktinfo),
      snapshot_(holder),
      batch_(std::make_unique<UdpBatch>()),
      cookie_secret_(cookie_secret),
      rrl_(std::move(rrl)) {
  if (forward::Forwarder* fwd = w_.forwarder(); fwd && fwd->enabled()) cache_reader_ = &fwd->cache().register_reader();
}

UdpLoop::~UdpLoop() {
  request_stop();
  join();
  ::close(fd_);
}

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

void UdpLoop::run() noexcept {
  UdpBatch& b = *batch_;
  forward::Forwarder* fwd = w_.forwarder();
  WorkerStats& stats = stats_;
  // The kernel writes msg_namelen, msg_controllen and msg_flags of the headers it
  // filled (and msg_len): only those are reset before the next call, so a wakeup for one
  // datagram does not rewrite all kBatch headers.
  std::size_t dirty = kBatch;
  while (!stop_.load(std::memory_order_relaxed)) {
    for (std::size_t i = 0; i < dirty; ++i) {
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
    dirty = n > 0 ? static_cast<std::size_t>(n) : 1;
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
      ctx.parsed = &parsed_;
      QueryResult r = process_query(zones, in, tx, Transport::kUdp, forwarding, &ctx);
      stats.count_request(Proto::kUdp, r.qtype);
      count_defences(stats, ctx);
      std::size_t size = 0;
      std::uint16_t rcode = r.rcode;
      if (r.action == QueryAction::kRespond) {
        size = r.size;
      } else if (r.action == QueryAction::kForward) {
        forward::Question q;
        forward::question_from_parsed(parsed_, q);  // (kForward: parsed with kOk)
        size = fwd->answer_from_cache(q, false, tx, *cache_reader_);
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
    // One clock read per batch: every reply of the batch took from its arrival in the
    // batch to the sendmmsg that carried it.
    if (out > 0) stats.observe_ns_n(now_ns() - t0, out);
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
}  // namespace mcns::frontend::server
