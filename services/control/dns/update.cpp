#include "services/control/dns/update.h"

#include <stdbool.h>  // before ldns, which uses bool in C headers

#include <ldns/ldns.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/dns/rr_type.h"
#include "common/dns/value.h"
#include "common/dns_wire/message.h"
#include "common/dns_wire/wire.h"
#include "services/control/auth/audit.h"

namespace mcns::control::dns {
namespace {

namespace type = mcns::dns::type;

constexpr std::uint8_t kNoError = 0;
constexpr std::uint8_t kFormErr = 1;
constexpr std::uint8_t kServFail = 2;
constexpr std::uint8_t kNxDomain = 3;
constexpr std::uint8_t kRefused = 5;
constexpr std::uint8_t kYxDomain = 6;
constexpr std::uint8_t kYxRRset = 7;
constexpr std::uint8_t kNxRRset = 8;
constexpr std::uint8_t kNotAuth = 9;
constexpr std::uint8_t kNotZone = 10;

constexpr std::uint16_t kClassIn = 1;
constexpr std::uint16_t kClassNone = 254;
constexpr std::uint16_t kClassAny = 255;

const char* rcode_name(std::uint8_t rcode) {
  switch (rcode) {
    case kNoError: return "noerror";
    case kFormErr: return "formerr";
    case kServFail: return "servfail";
    case kNxDomain: return "nxdomain";
    case kRefused: return "refused";
    case kYxDomain: return "yxdomain";
    case kYxRRset: return "yxrrset";
    case kNxRRset: return "nxrrset";
    case kNotAuth: return "notauth";
    case kNotZone: return "notzone";
    default: return "other";
  }
}

// One RR of the prerequisite or update section.
struct WireRR {
  std::string name;  // relative to the zone, "@" for the apex
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  std::uint32_t ttl = 0;
  std::uint16_t rdlength = 0;
  std::size_t rdata_at = 0;  // offset of RDLENGTH in the message (ldns_wire2rdf reads it)
};

struct Parsed {
  std::string zone;
  std::vector<WireRR> prerequisites;
  std::vector<WireRR> updates;
};

// The relative form of `absolute` in `zone`, or nullopt when it is outside the zone.
std::optional<std::string> relative_to(const std::string& absolute, const std::string& zone) {
  if (absolute == zone) return std::string("@");
  if (absolute.size() > zone.size() + 1 && absolute.ends_with(zone) &&
      absolute[absolute.size() - zone.size() - 1] == '.')
    return absolute.substr(0, absolute.size() - zone.size() - 1);
  return std::nullopt;
}

// Parses the zone, prerequisite and update sections; FORMERR or NOTZONE on failure.
std::uint8_t parse(std::span<const std::uint8_t> msg, Parsed& out) {
  dns_wire::Header h;
  if (!h.read(msg) || h.qdcount != 1) return kFormErr;
  dns_wire::WireReader r(msg);
  r.seek(12);
  dns_wire::Name name;
  std::uint16_t zone_type, zone_class;
  if (!r.read_name(&name) || !r.read_u16(zone_type) || !r.read_u16(zone_class)) return kFormErr;
  if (zone_type != type::kSOA || zone_class != kClassIn) return kFormErr;
  out.zone = dns_wire::lower_text(name);
  if (out.zone.empty()) return kNotAuth;  // the root is never served
  auto read_rrs = [&](unsigned count, std::vector<WireRR>& rrs) -> std::uint8_t {
    for (unsigned i = 0; i < count; ++i) {
      WireRR rr;
      if (!r.read_name(&name) || !r.read_u16(rr.type) || !r.read_u16(rr.klass) || !r.read_u32(rr.ttl))
        return kFormErr;
      rr.rdata_at = r.position();
      if (!r.read_u16(rr.rdlength) || !r.skip(rr.rdlength)) return kFormErr;
      auto relative = relative_to(dns_wire::lower_text(name), out.zone);
      if (!relative) return kNotZone;
      rr.name = *relative;
      rrs.push_back(std::move(rr));
    }
    return kNoError;
  };
  if (std::uint8_t rc = read_rrs(h.ancount, out.prerequisites); rc != kNoError) return rc;
  return read_rrs(h.nscount, out.updates);
}

// The canonical presentation value of an RR's wire RDATA, through ldns and then the API's
// canonicalisation; nullopt when the RDATA is malformed for its type.
std::optional<std::string> rdata_value(std::span<const std::uint8_t> msg, const WireRR& rr,
                                       const mcns::dns::RRTypeInfo& info) {
  ldns_rr* parsed = ldns_rr_new();
  if (!parsed) return std::nullopt;
  ldns_rr_set_type(parsed, static_cast<ldns_rr_type>(rr.type));
  std::size_t pos = rr.rdata_at;
  std::optional<std::string> text;
  if (ldns_wire2rdf(parsed, msg.data(), msg.size(), &pos) == LDNS_STATUS_OK &&
      pos == rr.rdata_at + 2 + rr.rdlength && ldns_rr_rd_count(parsed) > 0) {
    std::string joined;
    bool ok = true;
    for (std::size_t i = 0; i < ldns_rr_rd_count(parsed); ++i) {
      char* field = ldns_rdf2str(ldns_rr_rdf(parsed, i));
      if (!field) {
        ok = false;
        break;
      }
      if (i) joined.push_back(' ');
      joined.append(field);
      free(field);
    }
    if (ok) text = std::move(joined);
  }
  ldns_rr_free(parsed);
  if (!text) return std::nullopt;
  auto canonical = mcns::dns::canonical_value(info, *text);
  if (!canonical.ok()) return std::nullopt;
  return *std::move(canonical);
}

// A type UPDATE may write: one the management API accepts.
const mcns::dns::RRTypeInfo* writable_type(std::uint16_t code) {
  const mcns::dns::RRTypeInfo* info = mcns::dns::find_type(code);
  return info && info->api_allowed ? info : nullptr;
}

bool type_allowed(const KeyPolicy& policy, std::uint16_t code) {
  for (const std::string& t : policy.update_types)
    if (t == "*") return true;
  if (code == type::kANY) return false;  // a delete of every type needs "*"
  const mcns::dns::RRTypeInfo* info = mcns::dns::find_type(code);
  if (!info) return false;
  for (const std::string& t : policy.update_types)
    if (iequals(t, info->mnemonic)) return true;
  return false;
}

bool name_allowed(const KeyPolicy& policy, std::string_view name) {
  return std::any_of(policy.update_names.begin(), policy.update_names.end(),
                     [&](const std::string& pattern) { return update_name_matches(pattern, name); });
}

std::vector<std::string_view> labels_of(std::string_view name) {
  std::vector<std::string_view> out;
  if (name == "@") return out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    out.push_back(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

bool labels_match(std::span<const std::string_view> pattern, std::span<const std::string_view> name) {
  if (pattern.empty()) return name.empty();
  if (pattern.front() == "*") {
    // One or more labels: try every non-empty prefix of `name`.
    for (std::size_t n = 1; n <= name.size(); ++n)
      if (labels_match(pattern.subspan(1), name.subspan(n))) return true;
    return false;
  }
  return !name.empty() && iequals(pattern.front(), name.front()) &&
         labels_match(pattern.subspan(1), name.subspan(1));
}

}  // namespace

bool update_name_matches(std::string_view pattern, std::string_view relative_name) {
  if (pattern == "*") return true;
  if (pattern == "@" || relative_name == "@") return pattern == "@" && relative_name == "@";
  auto p = labels_of(pattern);
  auto n = labels_of(relative_name);
  return labels_match(p, n);
}

UpdateHandler::UpdateHandler(domain::ZoneServiceImpl& zones, metrics::Registry& registry)
    : zones_(zones), registry_(registry) {}

std::uint8_t UpdateHandler::handle(std::span<const std::uint8_t> request, const KeyPolicy* policy) {
  Parsed msg;
  const std::uint8_t parsed = parse(request, msg);
  auth::Principal who;
  who.username = policy ? str_cat("tsig:", policy->key.name) : "unsigned";
  who.account_type = auth::AccountType::kSystem;
  who.via = "update";
  auto finish = [&](std::uint8_t rcode, std::string_view why) {
    registry_.counter("mcns_update_total", "DNS UPDATE messages to the control's DNS listener, by answer",
                      {{"result", rcode_name(rcode)}})
        .inc();
    if (rcode != kNoError) {
      Status status = rcode == kRefused ? permission_denied(std::string(why)) : invalid_argument(std::string(why));
      auth::audit("dns", who, "update", str_cat("zone=", msg.zone), status);
    }
    return rcode;
  };

  if (!policy) return finish(kRefused, "UPDATE not signed");
  if (parsed == kFormErr) return finish(kFormErr, "malformed UPDATE");
  if (!policy->update || !policy->covers(msg.zone))
    return finish(kRefused, str_cat("key ", policy->key.name, " may not update zone ", msg.zone));
  if (parsed != kNoError) return finish(parsed, "a name outside the zone or a zone not served");

  // The update section (§3.4.1 prescan): each RR becomes one batch op.
  domain::BatchCommand cmd;
  cmd.zone = msg.zone;
  cmd.on_conflict = domain::OnConflict::kSkip;  // §3.4.2.2: ignored, NOERROR
  for (const WireRR& rr : msg.updates) {
    const bool delete_any = rr.klass == kClassAny && rr.type == type::kANY;
    if (rr.type == type::kSOA || (rr.type == type::kNS && rr.name == "@"))
      return finish(kRefused, "the SOA and the apex NS are not changeable by UPDATE");
    if (!name_allowed(*policy, rr.name) || !type_allowed(*policy, rr.type))
      return finish(kRefused, str_cat("key ", policy->key.name, " may not change ", rr.name, " type ", rr.type));
    domain::BatchOp op;
    op.fields.name = rr.name;
    if (delete_any) {
      if (rr.ttl != 0 || rr.rdlength != 0) return finish(kFormErr, "bad delete of all RRsets");
      op.kind = domain::BatchOpKind::kRemoveName;
      cmd.ops.push_back(std::move(op));
      continue;
    }
    const mcns::dns::RRTypeInfo* info = writable_type(rr.type);
    if (!info) return finish(kFormErr, str_cat("unsupported type ", rr.type));
    op.fields.type = std::string(info->mnemonic);
    if (rr.klass == kClassAny) {
      if (rr.ttl != 0 || rr.rdlength != 0) return finish(kFormErr, "bad delete of an RRset");
      op.kind = domain::BatchOpKind::kRemoveRRset;
    } else if (rr.klass == kClassIn || rr.klass == kClassNone) {
      if (rr.klass == kClassNone && rr.ttl != 0) return finish(kFormErr, "bad delete of an RR");
      auto value = rdata_value(request, rr, *info);
      if (!value) return finish(kFormErr, str_cat("bad RDATA for ", info->mnemonic, " at ", rr.name));
      op.fields.value = *std::move(value);
      if (rr.klass == kClassIn) {
        op.kind = domain::BatchOpKind::kAdd;
        op.fields.ttl = rr.ttl;
      } else {
        op.kind = domain::BatchOpKind::kRemoveOne;
      }
    } else {
      return finish(kFormErr, "bad class in the update section");
    }
    cmd.ops.push_back(std::move(op));
  }

  // Prerequisites (§3.2), parsed now and evaluated inside the batch's transaction.
  struct Exists {
    std::string name;
    std::uint16_t type;  // kANY: the name
    bool wanted;
    std::uint8_t rcode;
  };
  std::vector<Exists> existence;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> exact_rrsets;  // (name, type) -> values
  std::set<std::pair<std::string, std::uint16_t>> unstorable_rrsets;                 // types never stored
  for (const WireRR& rr : msg.prerequisites) {
    if (rr.ttl != 0) return finish(kFormErr, "prerequisite with a TTL");
    if (rr.klass == kClassAny || rr.klass == kClassNone) {
      if (rr.rdlength != 0) return finish(kFormErr, "prerequisite with RDATA");
      const bool any = rr.klass == kClassAny;
      if (rr.type == type::kANY) existence.push_back({rr.name, rr.type, any, any ? kNxDomain : kYxDomain});
      else existence.push_back({rr.name, rr.type, any, any ? kNxRRset : kYxRRset});
    } else if (rr.klass == kClassIn) {
      const mcns::dns::RRTypeInfo* info = writable_type(rr.type);
      if (!info) {
        unstorable_rrsets.insert({rr.name, rr.type});
        continue;
      }
      auto value = rdata_value(request, rr, *info);
      if (!value) return finish(kFormErr, "bad RDATA in a prerequisite");
      exact_rrsets[{rr.name, std::string(info->mnemonic)}].insert(*std::move(value));
    } else {
      return finish(kFormErr, "bad class in the prerequisite section");
    }
  }

  std::uint8_t prerequisite_rcode = kNoError;
  cmd.precondition = [&](store::ReadTx& tx, const domain::Zone& zone) -> Status {
    auto fail = [&](std::uint8_t rcode, std::string_view what) {
      prerequisite_rcode = rcode;
      return failed_precondition(str_cat("prerequisite failed: ", what));
    };
    for (const Exists& e : existence) {
      bool exists;
      if (e.name == "@" && (e.type == type::kANY || e.type == type::kSOA)) {
        exists = true;  // the apex always has its SOA
      } else if (e.type == type::kANY) {
        MCNS_ASSIGN_OR_RETURN(auto found, tx.list_records(zone.id, e.name));
        exists = !found.empty();
      } else if (const mcns::dns::RRTypeInfo* info = mcns::dns::find_type(e.type); info && e.type != type::kSOA) {
        MCNS_ASSIGN_OR_RETURN(auto found, tx.list_records(zone.id, e.name, info->mnemonic));
        exists = !found.empty();
      } else {
        exists = false;
      }
      if (exists != e.wanted) return fail(e.rcode, e.name);
    }
    if (!unstorable_rrsets.empty()) return fail(kNxRRset, unstorable_rrsets.begin()->first);
    for (const auto& [key, values] : exact_rrsets) {
      MCNS_ASSIGN_OR_RETURN(auto found, tx.list_records(zone.id, key.first, key.second));
      std::set<std::string> have;
      for (const domain::Record& r : found) have.insert(r.value);
      if (have != values) return fail(kNxRRset, str_cat(key.first, " ", key.second));
    }
    return ok_status();
  };

  auto result = zones_.apply_batch(who, cmd, domain::BatchAuthorization::kPreAuthorizedByCaller);
  if (result.ok()) {
    if (result->version == 0)
      log::info("dns: UPDATE of ", msg.zone, " by ", who.username, " changed nothing (", result->skipped,
                " skipped)");
    return finish(kNoError, "");
  }
  const Status& s = result.status();
  if (prerequisite_rcode != kNoError) return finish(prerequisite_rcode, s.message());
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return finish(kFormErr, s.message());
    case StatusCode::kNotFound: return finish(kNotAuth, s.message());
    default:
      log::error("dns: UPDATE of ", msg.zone, " by ", who.username, " failed: ", s.message());
      return finish(kServFail, s.message());
  }
}

}  // namespace mcns::control::dns
