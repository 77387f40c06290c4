#pragma once
// The record-type registry: the one table that says which types exist, how their values
// are written, which the management API accepts, and where a name sits in their RDATA
// (which the zone builder checks and marks for name compression and additional-section
// processing). Adding a type is one row in rr_type.cpp (SPEC section 5: keep the type
// set data-driven); nothing else in common/ or the frontend switches on a type's code
// for these rules.
#include <cstdint>
#include <optional>
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

// The one domain name in a type's RDATA that serving depends on, ending the RDATA.
struct RdataName {
  std::uint16_t pos = 0;    // octet offset of the name in the RDATA (after fixed fields)
  bool compress = false;    // may be compressed in answers (RFC 3597 section 4 lists the
                            // types; SRV's may not be, RFC 2782)
  bool additional = false;  // the name's A/AAAA go to the additional section (RFC 1035
                            // 3.3.9/3.3.11, RFC 2782), as Knot adds them
};

struct RRTypeInfo {
  std::uint16_t code;
  std::string_view mnemonic;  // upper case, e.g. "AAAA"
  ValueKind kind;
  bool api_allowed;           // may be created through the management API
  // The zone builder refuses RDATA without a valid uncompressed name there, and the
  // answer path compresses it / adds its addresses as the flags say. Types without one:
  // RDATA served as given.
  std::optional<RdataName> rdata_name;
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
inline constexpr std::uint16_t kNAPTR = 35;
inline constexpr std::uint16_t kOPT = 41;
inline constexpr std::uint16_t kDS = 43;
inline constexpr std::uint16_t kRRSIG = 46;
inline constexpr std::uint16_t kNSEC = 47;
inline constexpr std::uint16_t kDNSKEY = 48;
inline constexpr std::uint16_t kTLSA = 52;
inline constexpr std::uint16_t kSVCB = 64;
inline constexpr std::uint16_t kHTTPS = 65;
inline constexpr std::uint16_t kTSIG = 250;
inline constexpr std::uint16_t kIXFR = 251;
inline constexpr std::uint16_t kAXFR = 252;
inline constexpr std::uint16_t kANY = 255;
inline constexpr std::uint16_t kCAA = 257;
}  // namespace type

// The one code -> mnemonic table: the registry's rows take their mnemonics from it, and
// so do callers that name types the registry does not hold (metric labels for DS, AXFR,
// ...). A constexpr array so a hot path can resolve a name at compile time.
struct TypeMnemonic {
  std::uint16_t code;
  std::string_view mnemonic;  // upper case
};
inline constexpr TypeMnemonic kTypeMnemonics[] = {
    {type::kA, "A"},         {type::kNS, "NS"},       {type::kCNAME, "CNAME"}, {type::kSOA, "SOA"},
    {type::kPTR, "PTR"},     {type::kMX, "MX"},       {type::kTXT, "TXT"},     {type::kAAAA, "AAAA"},
    {type::kSRV, "SRV"},     {type::kNAPTR, "NAPTR"}, {type::kOPT, "OPT"},     {type::kDS, "DS"},
    {type::kRRSIG, "RRSIG"}, {type::kNSEC, "NSEC"},   {type::kDNSKEY, "DNSKEY"}, {type::kTLSA, "TLSA"},
    {type::kSVCB, "SVCB"},   {type::kHTTPS, "HTTPS"}, {type::kTSIG, "TSIG"},   {type::kIXFR, "IXFR"},
    {type::kAXFR, "AXFR"},   {type::kANY, "ANY"},     {type::kCAA, "CAA"},
};
// The mnemonic of `code`; empty when the table does not name it.
constexpr std::string_view type_mnemonic(std::uint16_t code) noexcept {
  for (const TypeMnemonic& t : kTypeMnemonics)
    if (t.code == code) return t.mnemonic;
  return {};
}

// Case-insensitive lookup by mnemonic ("aaaa" finds AAAA); nullptr when unknown.
const RRTypeInfo* find_type(std::string_view mnemonic) noexcept;
// Lookup by code; nullptr when not in the registry.
const RRTypeInfo* find_type(std::uint16_t code) noexcept;
// Every registered type, in code order.
std::span<const RRTypeInfo> all_types() noexcept;

}  // namespace mcns::dns
