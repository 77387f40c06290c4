#pragma once
// Record values: validation, canonical presentation form (what the store keeps and the
// API returns), and the wire-format RDATA a frontend serves. ldns parses the generic
// types here, off every hot path.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/dns/rr_type.h"

namespace mcns::dns {

inline constexpr std::uint32_t kMinTtl = 1;
inline constexpr std::uint32_t kMaxTtl = 2147483647;
inline constexpr std::uint32_t kDefaultTtl = 300;

// Validates `value` for `type` and returns its canonical text:
//   A      "192.168.088.1" -> error (leading zeros are ambiguous), "10.0.0.1" -> "10.0.0.1"
//   AAAA   "2001:DB8:0:0::1" -> "2001:db8::1"
//   CNAME/NS/PTR  "Host.Example.com" -> "host.example.com."
//   MX     "10 Mail.Example.com" -> "10 mail.example.com."   (through ldns)
//   TXT    "hello world" -> "\"hello world\"", "\"a\" \"b\"" kept as two strings
// INVALID_ARGUMENT with a message naming the type on failure.
StatusOr<std::string> canonical_value(const RRTypeInfo& type, std::string_view value);

// Checks a TTL against kMinTtl..kMaxTtl.
Status check_ttl(std::int64_t ttl);

// Wire-format RDATA of a canonical value (names uncompressed, lower case).
StatusOr<std::vector<std::uint8_t>> value_to_rdata(const RRTypeInfo& type, std::string_view canonical);

}  // namespace mcns::dns
