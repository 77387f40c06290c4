#include "services/control/domain/validation.h"

#include <vector>

#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/dns/value.h"

namespace mcns::control::domain {
namespace {

// SOA timers are 32-bit on the wire, but RFC 2181 section 8 keeps the top bit clear for
// TTL-like values; 0 would make a secondary poll without pause.
constexpr std::int64_t kMaxSoaTimer = 2147483647;

StatusOr<std::uint32_t> soa_timer(std::string_view field, std::int64_t value) {
  if (value < 1 || value > kMaxSoaTimer)
    return invalid_argument(str_cat("invalid ", field, " ", value, ": must be between 1 and ", kMaxSoaTimer));
  return static_cast<std::uint32_t>(value);
}

std::string supported_types() {
  std::vector<std::string> names;
  for (const auto& t : dns::all_types())
    if (t.api_allowed) names.emplace_back(t.mnemonic);
  return join(names, ", ");
}

}  // namespace

StatusOr<const dns::RRTypeInfo*> record_type(std::string_view mnemonic) {
  if (mnemonic.empty()) return invalid_argument(str_cat("record type is missing (supported: ", supported_types(), ")"));
  const dns::RRTypeInfo* info = dns::find_type(mnemonic);
  if (info && info->code == dns::type::kSOA)
    return invalid_argument("record type SOA cannot be created: the SOA is made from the zone's fields "
                            "(change them with an update of the zone)");
  if (!info || !info->api_allowed)
    return invalid_argument(str_cat("unknown record type \"", mnemonic, "\" (supported: ", supported_types(), ")"));
  return info;
}

StatusOr<ValidRecord> validate_record(std::string_view zone, const RecordFields& fields) {
  ValidRecord out;
  MCNS_ASSIGN_OR_RETURN(out.name, dns::canonical_record_name(fields.name, zone));
  MCNS_ASSIGN_OR_RETURN(out.type, record_type(fields.type));
  MCNS_ASSIGN_OR_RETURN(out.value, dns::canonical_value(*out.type, fields.value));
  const std::int64_t ttl = fields.ttl.value_or(dns::kDefaultTtl);
  MCNS_RETURN_IF_ERROR(dns::check_ttl(ttl));
  out.ttl = static_cast<std::uint32_t>(ttl);
  return out;
}

StatusOr<std::string> canonical_admin_email(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return invalid_argument(str_cat("invalid admin_email \"", text, "\": ", why));
  };
  if (text.empty()) return bad("empty");
  std::size_t at = text.find('@');
  if (at == std::string_view::npos) {
    auto name = dns::canonical_absolute_name(text);
    if (!name.ok()) return bad(name.status().message());
    return name;
  }
  std::string_view local = text.substr(0, at), domain = text.substr(at + 1);
  if (local.empty()) return bad("nothing before '@'");
  if (domain.empty() || domain == ".") return bad("nothing after '@'");
  // In the SOA RNAME form the local part is the first label; a dot in it would need an
  // escape ("first\.last") that most tools mishandle, so it is refused.
  if (local.find('.') != std::string_view::npos)
    return bad("the part before '@' may not contain dots");
  if (domain.find('@') != std::string_view::npos) return bad("more than one '@'");
  auto name = dns::canonical_absolute_name(str_cat(local, ".", domain));
  if (!name.ok()) return bad(name.status().message());
  return name;
}

StatusOr<ValidSoa> validate_soa(const SoaFields& f) {
  ValidSoa out;
  if (f.primary_ns) {
    auto ns = dns::canonical_absolute_name(*f.primary_ns);
    if (!ns.ok()) return invalid_argument(str_cat("invalid primary_ns: ", ns.status().message()));
    out.primary_ns = *std::move(ns);
  }
  if (f.admin_email) {
    MCNS_ASSIGN_OR_RETURN(out.admin_email, canonical_admin_email(*f.admin_email));
  }
  if (f.refresh) {
    MCNS_ASSIGN_OR_RETURN(out.refresh, soa_timer("refresh", *f.refresh));
  }
  if (f.retry) {
    MCNS_ASSIGN_OR_RETURN(out.retry, soa_timer("retry", *f.retry));
  }
  if (f.expire) {
    MCNS_ASSIGN_OR_RETURN(out.expire, soa_timer("expire", *f.expire));
  }
  if (f.minimum_ttl) {
    MCNS_ASSIGN_OR_RETURN(out.minimum_ttl, soa_timer("minimum_ttl", *f.minimum_ttl));
  }
  return out;
}

Zone zone_with_defaults(std::string_view canonical_zone) {
  Zone z;
  z.name = std::string(canonical_zone);
  if (auto ns = dns::canonical_absolute_name(str_cat("ns.", canonical_zone)); ns.ok()) z.primary_ns = *std::move(ns);
  if (auto admin = dns::canonical_absolute_name(str_cat("hostmaster.", canonical_zone)); admin.ok())
    z.admin_email = *std::move(admin);
  z.refresh = 3600;
  z.retry = 600;
  z.expire = 86400;
  z.minimum_ttl = 300;
  return z;
}

bool apply_soa(const ValidSoa& soa, Zone& zone) {
  bool changed = false;
  auto set = [&changed](auto& field, const auto& value) {
    if (value && field != *value) {
      field = *value;
      changed = true;
    }
  };
  set(zone.primary_ns, soa.primary_ns);
  set(zone.admin_email, soa.admin_email);
  set(zone.refresh, soa.refresh);
  set(zone.retry, soa.retry);
  set(zone.expire, soa.expire);
  set(zone.minimum_ttl, soa.minimum_ttl);
  return changed;
}

Status check_cname_exclusivity(std::string_view zone, std::string_view name, std::string_view type,
                               const std::set<std::string, std::less<>>& types_at_name) {
  const bool is_cname = type == "CNAME";
  if (is_cname && name == "@")
    return already_exists(str_cat("CNAME conflict: a CNAME cannot be at the apex of zone \"", zone,
                                  "\" (the apex has SOA and NS records)"));
  const bool has_cname = types_at_name.contains("CNAME");
  if (is_cname && has_cname)
    return already_exists(
        str_cat("CNAME conflict: \"", name, "\" already has a CNAME record (a name can have only one)"));
  if (is_cname && !types_at_name.empty()) {
    std::vector<std::string> types(types_at_name.begin(), types_at_name.end());
    return already_exists(str_cat("CNAME conflict: \"", name, "\" already has ", join(types, ", "), " records"));
  }
  if (!is_cname && has_cname)
    return already_exists(str_cat("CNAME conflict: \"", name, "\" already has a CNAME record, so it cannot have ",
                                  type, " records"));
  return ok_status();
}

}  // namespace mcns::control::domain
