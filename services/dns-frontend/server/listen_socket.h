#pragma once
// Socket setup of the DNS listeners: parsing a `[dns] listen` entry, opening the
// SO_REUSEPORT UDP socket and TCP acceptor of one worker, and the probe that refuses a
// second mcns-dns on the same address.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>

#include "common/base/status.h"

namespace mcns::frontend::server {

struct ListenSpec {
  std::string text;
  boost::asio::ip::address address;
  std::uint16_t port = 0;
  bool wildcard = false;    // unspecified address: replies need the pktinfo source address
  bool dual_stack = false;  // ":port" only: one IPv6 socket that also takes IPv4
};

// "host:port", "[v6]:port" or ":port" (every address, IPv4 and IPv6).
StatusOr<ListenSpec> parse_listen(const std::string& text);

// "127.0.0.1:53", "[::1]:53".
std::string endpoint_text(const boost::asio::ip::address& a, std::uint16_t port);

// A blocking UDP socket (its thread waits in recvmmsg) with SO_REUSEPORT; -1 and `ec` on
// failure. `port` 0 is replaced by the port the kernel chose.
int open_udp(const ListenSpec& spec, std::uint16_t& port, boost::system::error_code& ec);

// Opens, binds (SO_REUSEPORT) and listens.
boost::system::error_code open_tcp(boost::asio::ip::tcp::acceptor& a, const ListenSpec& spec, std::uint16_t port);

// SO_REUSEPORT would let a second mcns-dns (same user) join the first one's sockets and
// silently take half its traffic. A probe bound without it fails with EADDRINUSE when
// anything holds the address already, so a double start is an error instead.
boost::system::error_code probe_free(const ListenSpec& spec);

}  // namespace mcns::frontend::server
