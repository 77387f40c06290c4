#pragma once
// The record-type registry: the one table that says which types exist, how their values
// are written, and which the management API accepts. Adding a type is one row in
// rr_type.cpp (SPEC section 5: keep the type set data-driven).
#include <cstdint>
#include <span>
#include <string_view>

namespace mcns::dns {

// How a type's presentation value is parsed and canonicalised.
enum class ValueKind {
  kIpv4,        // A: dotted quad
  kIpv6,        // AAAA: RFC 5952 text
  kDomainName,  // CNAME, NS, PTR: one absolute name
  kGeneric,     // anything else: parsed and re-printed by ldns
};

struct RRTypeInfo {
  std::uint16_t code;
  std::string_view mnemonic;  // upper case, e.g. "AAAA"
  ValueKind kind;
  bool api_allowed;           // may be created through the management API
};

namespace type {
inline constexpr std::uint16_t kA = 1;
inline constexpr std::uint16_t kNS = 2;
inline constexpr std::uint16_t kCNAME = 5;
inline constexpr std::uint16_t kSOA = 6;
inline constexpr std::uint16_t kPTR = 12;
inline constexpr std::uint16_t kMX = 15;
inline constexpr std::uint16_t kTXT = 16;
inline constexpr std::uint16_t kAAAA = 28;
inline constexpr std::uint16_t kSRV = 33;
inline constexpr std::uint16_t kOPT = 41;
inline constexpr std::uint16_t kAXFR = 252;
inline constexpr std::uint16_t kIXFR = 251;
inline constexpr std::uint16_t kANY = 255;
inline constexpr std::uint16_t kCAA = 257;
}  // namespace type

// Case-insensitive lookup by mnemonic ("aaaa" finds AAAA); nullptr when unknown.
const RRTypeInfo* find_type(std::string_view mnemonic) noexcept;
// Lookup by code; nullptr when not in the registry.
const RRTypeInfo* find_type(std::uint16_t code) noexcept;
// Every registered type, in code order.
std::span<const RRTypeInfo> all_types() noexcept;

}  // namespace mcns::dns
