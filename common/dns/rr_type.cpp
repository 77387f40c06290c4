#include "common/dns/rr_type.h"

#include <array>

#include "common/base/strings.h"

namespace mcns::dns {
namespace {

// Code order. `api_allowed` types can be created through REST/gRPC; SOA is derived from
// the zone's own fields and is never a record. Columns: code, how values are parsed, API,
// the name in the RDATA {offset, compress, additional}. The mnemonic comes from
// kTypeMnemonics, so a type has one spelling everywhere.
constexpr std::optional<RdataName> kNoName = std::nullopt;
constexpr RRTypeInfo row(std::uint16_t code, ValueKind kind, bool api_allowed, std::optional<RdataName> name) {
  return RRTypeInfo{code, type_mnemonic(code), kind, api_allowed, name};
}
constexpr std::array kTypes = {
    row(type::kA, ValueKind::kIpv4, true, kNoName),
    row(type::kNS, ValueKind::kDomainName, true, RdataName{0, true, true}),
    row(type::kCNAME, ValueKind::kDomainName, true, RdataName{0, true, false}),
    row(type::kSOA, ValueKind::kGeneric, false, kNoName),
    row(type::kPTR, ValueKind::kDomainName, true, RdataName{0, true, false}),
    row(type::kMX, ValueKind::kGeneric, true, RdataName{2, true, true}),
    row(type::kTXT, ValueKind::kGeneric, true, kNoName),
    row(type::kAAAA, ValueKind::kIpv6, true, kNoName),
    row(type::kSRV, ValueKind::kGeneric, true, RdataName{6, false, true}),
    row(type::kCAA, ValueKind::kGeneric, true, kNoName),
};
static_assert([] {
  for (const RRTypeInfo& t : kTypes)
    if (t.mnemonic.empty()) return false;
  return true;
}(), "every registry row needs a mnemonic in kTypeMnemonics");

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
