#include "services/dns-frontend/query/cookies.h"

#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/base/strings.h"

namespace mcns::frontend {

ClientAddress ClientAddress::from_sockaddr(const void* sa) noexcept {
  ClientAddress a;
  sockaddr_storage ss;
  std::memcpy(&ss, sa, sizeof(sa_family_t));
  if (ss.ss_family == AF_INET) {
    sockaddr_in in;
    std::memcpy(&in, sa, sizeof in);
    std::memcpy(a.bytes, &in.sin_addr, 4);
    a.length = 4;
  } else if (ss.ss_family == AF_INET6) {
    sockaddr_in6 in6;
    std::memcpy(&in6, sa, sizeof in6);
    if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {  // dual-stack socket: the IPv4 client
      std::memcpy(a.bytes, in6.sin6_addr.s6_addr + 12, 4);
      a.length = 4;
    } else {
      std::memcpy(a.bytes, in6.sin6_addr.s6_addr, 16);
      a.length = 16;
    }
  }
  return a;
}

ClientAddress ClientAddress::v4(std::uint32_t host_order) noexcept {
  ClientAddress a;
  a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<std::uint8_t>(host_order);
  a.length = 4;
  return a;
}

namespace {

std::uint64_t cookie_hash(const SipKey& secret, std::span<const std::uint8_t> client_cookie,
                          const std::uint8_t head[8], const ClientAddress& client) noexcept {
  std::uint8_t buf[kClientCookieSize + 8 + 16];
  std::memcpy(buf, client_cookie.data(), kClientCookieSize);
  std::memcpy(buf + kClientCookieSize, head, 8);
  std::memcpy(buf + kClientCookieSize + 8, client.bytes, client.length);
  return siphash24(secret, std::span<const std::uint8_t>(buf, kClientCookieSize + 8 + client.length));
}

}  // namespace

void make_server_cookie(const SipKey& secret, std::span<const std::uint8_t> client_cookie, std::uint32_t timestamp,
                        const ClientAddress& client, std::uint8_t out[kServerCookieSize]) noexcept {
  out[0] = kServerCookieVersion;
  out[1] = out[2] = out[3] = 0;
  out[4] = static_cast<std::uint8_t>(timestamp >> 24);
  out[5] = static_cast<std::uint8_t>(timestamp >> 16);
  out[6] = static_cast<std::uint8_t>(timestamp >> 8);
  out[7] = static_cast<std::uint8_t>(timestamp);
  std::uint64_t h = cookie_hash(secret, client_cookie, out, client);
  for (int i = 0; i < 8; ++i) out[8 + i] = static_cast<std::uint8_t>(h >> (8 * i));  // SipHash output order
}

bool check_server_cookie(const SipKey& secret, std::span<const std::uint8_t> client_cookie,
                         std::span<const std::uint8_t> server_cookie, std::uint32_t now, const ClientAddress& client,
                         std::uint32_t& timestamp) noexcept {
  if (client_cookie.size() != kClientCookieSize || server_cookie.size() != kServerCookieSize) return false;
  const std::uint8_t* s = server_cookie.data();
  if (s[0] != kServerCookieVersion) return false;
  timestamp = (std::uint32_t{s[4]} << 24) | (std::uint32_t{s[5]} << 16) | (std::uint32_t{s[6]} << 8) | s[7];
  // Serial number arithmetic (RFC 1982): the difference as a signed 32-bit value.
  const auto age = static_cast<std::int32_t>(now - timestamp);
  if (age > static_cast<std::int32_t>(kCookieMaxAge) || age < -static_cast<std::int32_t>(kCookieMaxSkew)) return false;
  std::uint8_t want[kServerCookieSize];
  make_server_cookie(secret, client_cookie, timestamp, client, want);
  // The reserved octets are part of the hash input: non-zero ones fail the comparison.
  std::uint8_t diff = 0;
  for (std::size_t i = 1; i < kServerCookieSize; ++i) diff |= static_cast<std::uint8_t>(want[i] ^ s[i]);
  return diff == 0;
}

StatusOr<SipKey> load_cookie_secret(const std::string& path) {
  SipKey key{};
  if (path.empty()) {
    std::size_t got = 0;
    while (got < key.size()) {
      ssize_t n = ::getrandom(key.data() + got, key.size() - got, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return internal_error("[dns] cookie secret: getrandom failed");
      got += static_cast<std::size_t>(n);
    }
    return key;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return invalid_argument(str_cat("[dns] cookie_secret_file ", path, ": ", std::strerror(errno)));
  if (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH))
    return invalid_argument(
        str_cat("[dns] cookie_secret_file ", path, ": readable or writable by group/others; chmod 600 it"));
  std::ifstream in(path);
  if (!in) return invalid_argument(str_cat("[dns] cookie_secret_file ", path, ": cannot be read"));
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  std::size_t b = s.find_first_not_of(" \t\r\n");
  std::size_t e = s.find_last_not_of(" \t\r\n");
  s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  bool ok = s.size() == 32;
  for (std::size_t i = 0; ok && i < 16; ++i) {
    int hi = hex(s[2 * i]), lo = hex(s[2 * i + 1]);
    if (hi < 0 || lo < 0) ok = false;
    else key[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  if (!ok) return invalid_argument(str_cat("[dns] cookie_secret_file ", path, ": must hold 32 hexadecimal characters"));
  return key;
}

}  // namespace mcns::frontend
