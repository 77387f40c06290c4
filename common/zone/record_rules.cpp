#include "common/zone/record_rules.h"

#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/dns/rr_type.h"
#include "common/dns/value.h"
#include "common/dns_wire/wire.h"

namespace mcns::zone {
namespace {

// "hostmaster.example.com." or "hostmaster@example.com" -> uncompressed wire name.
StatusOr<std::vector<std::uint8_t>> mailbox_to_wire(std::string_view admin) {
  auto at = admin.find('@');
  if (at == std::string_view::npos) {
    MCNS_ASSIGN_OR_RETURN(std::string name, dns::canonical_absolute_name(admin));
    return dns::name_to_wire(name);
  }
  std::string_view local = admin.substr(0, at);
  if (local.empty() || local.size() > dns_wire::kMaxLabelLength)
    return invalid_argument(str_cat("invalid SOA admin \"", admin, "\": bad local part"));
  for (char c : local)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return invalid_argument(str_cat("invalid SOA admin \"", admin, "\": bad character in local part"));
  MCNS_ASSIGN_OR_RETURN(std::string domain, dns::canonical_absolute_name(admin.substr(at + 1)));
  std::vector<std::uint8_t> out;
  out.push_back(static_cast<std::uint8_t>(local.size()));
  out.insert(out.end(), local.begin(), local.end());
  std::vector<std::uint8_t> rest = dns::name_to_wire(domain);
  out.insert(out.end(), rest.begin(), rest.end());
  if (out.size() > dns_wire::kMaxNameLength) return invalid_argument("SOA admin name longer than 255 octets");
  return out;
}

}  // namespace

StatusOr<ZoneSoa> soa_from_wire(std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
  dns_wire::Name n;
  std::size_t mlen = 0, rlen = 0;
  if (!n.assign(rdata, &mlen) || !n.assign(rdata.subspan(mlen), &rlen) || rdata.size() != mlen + rlen + 20)
    return invalid_argument("invalid SOA RDATA: expected two uncompressed names and five 32-bit fields");
  if (ttl > dns::kMaxTtl) return invalid_argument(str_cat("invalid SOA TTL ", ttl));
  ZoneSoa soa;
  soa.ttl = ttl;
  soa.rdata.assign(rdata.begin(), rdata.end());
  soa.mname_end = mlen;
  soa.rname_end = mlen + rlen;
  return soa;
}

StatusOr<ZoneSoa> soa_from_params(const SoaParams& soa) {
  MCNS_ASSIGN_OR_RETURN(std::string mname, dns::canonical_absolute_name(soa.primary_ns));
  std::vector<std::uint8_t> rdata = dns::name_to_wire(mname);
  MCNS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> rname, mailbox_to_wire(soa.admin));
  rdata.insert(rdata.end(), rname.begin(), rname.end());
  for (std::uint32_t v : {soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum}) {
    std::uint8_t b[4];
    dns_wire::store_u32(b, v);
    rdata.insert(rdata.end(), b, b + 4);
  }
  return soa_from_wire(soa.ttl, rdata);
}

Status check_record(std::uint16_t type, std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
  if (type == dns::type::kSOA) return invalid_argument("the SOA is set with upsert_zone(), not add_record()");
  // Meta and question-only types cannot be zone data.
  if (type == 0 || type == dns::type::kOPT || (type >= 249 && type <= 255))
    return invalid_argument(str_cat("type ", type, " cannot be a record"));
  if (rdata.size() > 65535) return invalid_argument("RDATA longer than 65535 octets");
  if (const dns::RRTypeInfo* info = dns::find_type(type); info && info->rdata_name) {
    const std::size_t pos = info->rdata_name->pos;
    dns_wire::Name n;
    std::size_t used = 0;
    if (rdata.size() < pos || !n.assign(rdata.subspan(pos), &used) || pos + used != rdata.size())
      return invalid_argument(str_cat("invalid RDATA for type ", type, ": expected an uncompressed name"));
  }
  if (ttl > dns::kMaxTtl) return invalid_argument(str_cat("invalid TTL ", ttl));
  return ok_status();
}

}  // namespace mcns::zone
