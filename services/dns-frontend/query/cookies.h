#pragma once
// DNS Cookies (RFC 7873) with interoperable server cookies (RFC 9018): the server cookie
// is Version 1 | Reserved (3 zero octets) | Timestamp (32-bit Unix time) | Hash (8),
// Hash = SipHash-2-4(Client Cookie | Version | Reserved | Timestamp | Client IP) keyed
// with the 128-bit secret shared by every frontend ([dns] cookie_secret_file), so a
// cookie made by one frontend validates on all of them. Hot path: no allocation.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/base/status.h"
#include "services/dns-frontend/query/siphash.h"

namespace mcns::frontend {

inline constexpr std::size_t kClientCookieSize = 8;
inline constexpr std::size_t kServerCookieSize = 16;  // RFC 9018 layout
inline constexpr std::uint8_t kServerCookieVersion = 1;
// RFC 9018 4.3: older than an hour or more than 5 minutes in the future is invalid;
// older than half an hour is replaced by a fresh one in the reply.
inline constexpr std::uint32_t kCookieMaxAge = 3600;
inline constexpr std::uint32_t kCookieMaxSkew = 300;
inline constexpr std::uint32_t kCookieRefreshAge = 1800;

// The client's address as the cookie hash and RRL see it: 4 octets (IPv4, also an
// IPv4-mapped IPv6 address) or 16 (IPv6); length 0 = unknown.
struct ClientAddress {
  std::uint8_t bytes[16] = {};
  std::uint8_t length = 0;
  static ClientAddress from_sockaddr(const void* sockaddr) noexcept;
  static ClientAddress v4(std::uint32_t host_order) noexcept;
};

// Writes the 16-octet RFC 9018 server cookie for `client_cookie` at `timestamp`.
void make_server_cookie(const SipKey& secret, std::span<const std::uint8_t> client_cookie, std::uint32_t timestamp,
                        const ClientAddress& client, std::uint8_t out[kServerCookieSize]) noexcept;

// True when `server_cookie` is one this secret made for this client cookie and address,
// version 1, with a timestamp no more than kCookieMaxAge old and kCookieMaxSkew ahead of
// `now`. `timestamp` receives the cookie's timestamp.
bool check_server_cookie(const SipKey& secret, std::span<const std::uint8_t> client_cookie,
                         std::span<const std::uint8_t> server_cookie, std::uint32_t now, const ClientAddress& client,
                         std::uint32_t& timestamp) noexcept;

// The secret from `path`: 32 hexadecimal characters (surrounding whitespace allowed).
// Refused when the file is readable by group or others (as the token file). An empty
// path: a random secret (from the kernel), one per process.
StatusOr<SipKey> load_cookie_secret(const std::string& path);

}  // namespace mcns::frontend
