#include "services/dns-frontend/zonesrc/zone_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <unordered_map>

#include "common/base/strings.h"
#include "common/dns/rr_type.h"
#include "common/zonefile/zone_file_reader.h"

namespace mcns::frontend::zonesrc {
namespace {

// Lower-case wire name as a map key (length octets are below 'A': folding all is safe).
std::string lower_key(std::span<const std::uint8_t> wire) {
  std::string key(wire.begin(), wire.end());
  for (char& c : key)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return key;
}

// CNAME exclusivity per owner (RFC 1034 3.6.2; RRSIG and NSEC may coexist, RFC 4035 2.5).
// The control plane's zones get it from its domain rules; file zones get it here.
class CnameRules {
 public:
  void apex(std::span<const std::uint8_t> owner) {
    apex_ = lower_key(owner);
    types_[apex_].other = true;
  }
  // An error message, or "" when the record may be added.
  std::string check(const zonefile::Record& r) {
    std::string key = lower_key(r.owner);
    Types& t = types_[key];
    auto owner = [&] { return zonefile::name_text(r.owner); };
    if (r.type == dns::type::kCNAME) {
      if (key == apex_) return "a CNAME cannot be at the zone apex";
      if (t.cname) return str_cat("a second CNAME at \"", owner(), "\"");
      if (t.other) return str_cat("CNAME and other data at \"", owner(), "\" (RFC 1034 3.6.2)");
      t.cname = true;
    } else if (r.type != dns::type::kRRSIG && r.type != dns::type::kNSEC) {
      if (t.cname) return str_cat("CNAME and other data at \"", owner(), "\" (RFC 1034 3.6.2)");
      t.other = true;
    }
    return {};
  }

 private:
  struct Types {
    bool cname = false;
    bool other = false;
  };
  std::string apex_;
  std::unordered_map<std::string, Types> types_;
};

}  // namespace

StatusOr<ZoneFileInfo> load_zone_file(const std::string& path, zone::ZoneSetBuilder& builder,
                                      const ZoneCheck& check_zone) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return Status(err == ENOENT ? StatusCode::kNotFound : StatusCode::kInvalidArgument,
                  str_cat("zone file ", path, ": cannot open: ", std::strerror(err)));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return invalid_argument(str_cat("zone file ", path, ": cannot read: ", std::strerror(errno)));

  auto at = [&](int line, std::string_view what) { return str_cat("zone file ", path, ":", line, ": ", what); };
  ZoneFileInfo info;
  info.path = path;
  CnameRules cnames;
  zonefile::ReadOptions options;
  options.source = path;
  zonefile::Handlers handlers;
  handlers.zone = [&](const std::string& zone, const zonefile::Soa& soa, const zonefile::Record& record) -> Status {
    info.zone = zone;
    info.serial = soa.serial;
    if (check_zone) {
      Status ok = check_zone(zone);
      if (!ok.ok()) return Status(ok.code(), at(record.line, ok.message()));
    }
    cnames.apex(record.owner);
    Status st = builder.upsert_zone_wire(zone, record.ttl, record.rdata);
    if (!st.ok()) return invalid_argument(at(record.line, st.message()));
    ++info.records;
    return ok_status();
  };
  handlers.record = [&](const zonefile::Record& record) -> Status {
    if (std::string refused = cnames.check(record); !refused.empty()) return invalid_argument(at(record.line, refused));
    Status st = builder.add_record_wire(info.zone, record.owner, record.type, record.ttl, record.rdata);
    if (!st.ok()) return invalid_argument(at(record.line, st.message()));
    ++info.records;
    return ok_status();
  };
  MCNS_RETURN_IF_ERROR(zonefile::read_zone_file(text, options, handlers));
  return info;
}

}  // namespace mcns::frontend::zonesrc
