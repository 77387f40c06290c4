#include "services/control/dns/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/config/config.h"

namespace mcns::control::dns {
namespace {

constexpr int kPollMs = 200;
constexpr int kTcpIdleMs = 10000;

StatusOr<sockaddr_storage> resolve(const std::string& text, socklen_t& len) {
  MCNS_ASSIGN_OR_RETURN(config::HostPort hp, config::parse_host_port(text));
  sockaddr_storage ss{};
  std::string host = hp.host.empty() ? "::" : hp.host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(hp.port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(hp.port);
    len = sizeof(sockaddr_in6);
  } else {
    return invalid_argument(str_cat("[dns] listen: \"", text, "\" must be an IP address and port"));
  }
  return ss;
}

std::string describe(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    return str_cat(buf, ":", ntohs(a->sin_port));
  }
  auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
  inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
  return str_cat("[", buf, "]:", ntohs(a->sin6_port));
}

// Reads exactly n bytes, waiting at most `timeout_ms` for each piece; false on EOF,
// error, timeout or stop.
bool read_full(int fd, std::uint8_t* p, std::size_t n, const std::atomic<bool>& stopping, int timeout_ms) {
  int waited = 0;
  while (n > 0) {
    if (stopping.load()) return false;
    pollfd pfd{fd, POLLIN, 0};
    int r = ::poll(&pfd, 1, kPollMs);
    if (r == 0) {
      waited += kPollMs;
      if (waited >= timeout_ms) return false;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    ssize_t got = ::recv(fd, p, n, 0);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
    waited = 0;
  }
  return true;
}

bool write_full(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    ssize_t put = ::send(fd, p, n, MSG_NOSIGNAL);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    p += put;
    n -= static_cast<std::size_t>(put);
  }
  return true;
}

}  // namespace

StatusOr<std::unique_ptr<Listener>> Listener::start(const std::vector<std::string>& listen, Responder& responder,
                                                    std::size_t max_tcp) {
  std::unique_ptr<Listener> l(new Listener(responder, max_tcp));
  for (const auto& text : listen) {
    socklen_t len = 0;
    MCNS_ASSIGN_OR_RETURN(sockaddr_storage addr, resolve(text, len));
    int udp = ::socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int tcp = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (udp < 0 || tcp < 0) return unavailable(str_cat("[dns] listen ", text, ": socket: ", std::strerror(errno)));
    l->fds_.push_back(udp);
    l->fds_.push_back(tcp);
    int one = 1;
    ::setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (addr.ss_family == AF_INET6) {
      ::setsockopt(udp, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      ::setsockopt(tcp, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    // TCP first: with port 0 its port is then taken for UDP too.
    if (::bind(tcp, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(tcp, 64) != 0)
      return unavailable(str_cat("[dns] listen ", text, ": ", std::strerror(errno)));
    sockaddr_storage bound{};
    socklen_t blen = sizeof bound;
    ::getsockname(tcp, reinterpret_cast<sockaddr*>(&bound), &blen);
    if (::bind(udp, reinterpret_cast<sockaddr*>(&bound), blen) != 0)
      return unavailable(str_cat("[dns] listen ", text, " (UDP): ", std::strerror(errno)));
    l->addresses_.push_back(describe(bound));
  }
  for (std::size_t i = 0; i < l->fds_.size(); i += 2) {
    int udp = l->fds_[i], tcp = l->fds_[i + 1];
    l->threads_.emplace_back([p = l.get(), udp] { p->udp_loop(udp); });
    l->threads_.emplace_back([p = l.get(), tcp] { p->tcp_accept_loop(tcp); });
  }
  return l;
}

Listener::~Listener() { stop(); }

void Listener::stop() {
  if (stopping_.exchange(true)) return;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  // Connection threads are detached; wait for them to notice (bounded by the poll tick).
  for (int i = 0; i < 100 && tcp_open_.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

void Listener::udp_loop(int fd) {
  std::vector<std::uint8_t> buf(65535);
  while (!stopping_.load()) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, kPollMs) <= 0) continue;
    sockaddr_storage peer{};
    socklen_t plen = sizeof peer;
    ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&peer), &plen);
    if (n <= 0) continue;
    responder_.answer(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)),
                      reinterpret_cast<const sockaddr*>(&peer), /*tcp=*/false, [&](std::vector<std::uint8_t>& m) {
                        ::sendto(fd, m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&peer), plen);
                        return true;
                      });
  }
}

void Listener::tcp_accept_loop(int fd) {
  while (!stopping_.load()) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, kPollMs) <= 0) continue;
    sockaddr_storage peer{};
    socklen_t plen = sizeof peer;
    int conn = ::accept4(fd, reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_CLOEXEC);
    if (conn < 0) {
      // EMFILE and friends: back off instead of spinning.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (tcp_open_.load() >= max_tcp_) {
      ::close(conn);
      continue;
    }
    ++tcp_open_;
    std::thread([this, conn, peer] { tcp_connection(conn, peer); }).detach();
  }
}

void Listener::tcp_connection(int fd, sockaddr_storage peer) {
  std::vector<std::uint8_t> msg;
  std::vector<std::uint8_t> framed;
  while (!stopping_.load()) {
    std::uint8_t len_bytes[2];
    if (!read_full(fd, len_bytes, 2, stopping_, kTcpIdleMs)) break;
    std::size_t len = (std::size_t{len_bytes[0]} << 8) | len_bytes[1];
    msg.resize(len);
    if (len == 0 || !read_full(fd, msg.data(), len, stopping_, kTcpIdleMs)) break;
    bool ok = true;
    responder_.answer(msg, reinterpret_cast<const sockaddr*>(&peer), /*tcp=*/true, [&](std::vector<std::uint8_t>& m) {
      if (!ok || stopping_.load() || m.size() > 65535) return ok = false;
      framed.resize(2 + m.size());
      framed[0] = static_cast<std::uint8_t>(m.size() >> 8);
      framed[1] = static_cast<std::uint8_t>(m.size());
      std::memcpy(framed.data() + 2, m.data(), m.size());
      ok = write_full(fd, framed.data(), framed.size());
      return ok;
    });
    if (!ok) break;
  }
  ::close(fd);
  --tcp_open_;
}

}  // namespace mcns::control::dns
