#include "services/dns-frontend/server/listen_socket.h"

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/v6_only.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "common/base/strings.h"
#include "common/config/config.h"

namespace mcns::frontend::server {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

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

std::string endpoint_text(const asio::ip::address& a, std::uint16_t port) {
  return a.is_v6() ? str_cat("[", a.to_string(), "]:", port) : str_cat(a.to_string(), ":", port);
}


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

}  // namespace mcns::frontend::server
