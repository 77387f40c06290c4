#include "common/dns/rr_type.h"

#include <array>

#include "common/base/strings.h"

namespace mcns::dns {
namespace {

// Code order. `api_allowed` types can be created through REST/gRPC; SOA is derived from
// the zone's own fields and is never a record. Columns: code, mnemonic, how values are
// parsed, API, the name in the RDATA {offset, compress, additional}.
constexpr std::optional<RdataName> kNoName = std::nullopt;
constexpr std::array kTypes = {
    RRTypeInfo{type::kA, "A", ValueKind::kIpv4, true, kNoName},
    RRTypeInfo{type::kNS, "NS", ValueKind::kDomainName, true, RdataName{0, true, true}},
    RRTypeInfo{type::kCNAME, "CNAME", ValueKind::kDomainName, true, RdataName{0, true, false}},
    RRTypeInfo{type::kSOA, "SOA", ValueKind::kGeneric, false, kNoName},
    RRTypeInfo{type::kPTR, "PTR", ValueKind::kDomainName, true, RdataName{0, true, false}},
    RRTypeInfo{type::kMX, "MX", ValueKind::kGeneric, true, RdataName{2, true, true}},
    RRTypeInfo{type::kTXT, "TXT", ValueKind::kGeneric, true, kNoName},
    RRTypeInfo{type::kAAAA, "AAAA", ValueKind::kIpv6, true, kNoName},
    RRTypeInfo{type::kSRV, "SRV", ValueKind::kGeneric, true, RdataName{6, false, true}},
    RRTypeInfo{type::kCAA, "CAA", ValueKind::kGeneric, true, kNoName},
};

}  // namespace

const RRTypeInfo* find_type(std::string_view mnemonic) noexcept {
  for (const auto& t : kTypes)
    if (iequals(t.mnemonic, mnemonic)) return &t;
  return nullptr;
}

const RRTypeInfo* find_type(std::uint16_t code) noexcept {
  for (const auto& t : kTypes)
    if (t.code == code) return &t;
  return nullptr;
}

std::span<const RRTypeInfo> all_types() noexcept { return kTypes; }

}  // namespace mcns::dns
