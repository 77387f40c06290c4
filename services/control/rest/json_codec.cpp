#include "services/control/rest/json_codec.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/base/strings.h"
#include "services/control/auth/rfc3339.h"

namespace mcns::control::rest {

using ojson = nlohmann::ordered_json;

namespace {

// A parsed request object whose keys are looked up case-insensitively. When a key
// appears twice (in any case) the later one wins, as in Go's encoding/json.
class Fields {
 public:
  static StatusOr<Fields> parse(std::string_view body) {
    ojson doc = ojson::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return invalid_argument("malformed JSON in request body");
    if (!doc.is_object()) return invalid_argument("request body must be a JSON object");
    return Fields(std::move(doc));
  }

  const ojson* find(std::string_view key) const {
    const ojson* found = nullptr;
    for (const auto& [k, v] : doc_.items())
      if (iequals(k, key)) found = &v;
    if (found && found->is_null()) return nullptr;
    return found;
  }

  Status string(std::string_view key, std::optional<std::string>& out) const {
    const ojson* v = find(key);
    if (!v) return ok_status();
    if (!v->is_string()) return invalid_argument(str_cat("field \"", key, "\" must be a string"));
    out = v->get<std::string>();
    return ok_status();
  }
  Status string(std::string_view key, std::string& out) const {
    std::optional<std::string> v;
    MCNS_RETURN_IF_ERROR(string(key, v));
    if (v) out = std::move(*v);
    return ok_status();
  }
  // Integers only (300, not 300.0 or "300"); out-of-int64 values are refused here, the
  // domain reports the finer bounds.
  Status integer(std::string_view key, std::optional<std::int64_t>& out) const {
    const ojson* v = find(key);
    if (!v) return ok_status();
    if (v->is_number_unsigned()) {
      auto u = v->get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return invalid_argument(str_cat("field \"", key, "\" is out of range"));
      out = static_cast<std::int64_t>(u);
      return ok_status();
    }
    if (v->is_number_integer()) {
      out = v->get<std::int64_t>();
      return ok_status();
    }
    return invalid_argument(str_cat("field \"", key, "\" must be an integer"));
  }

 private:
  explicit Fields(ojson doc) : doc_(std::move(doc)) {}
  ojson doc_;
};

Status decode_soa(const Fields& f, domain::SoaFields& soa) {
  MCNS_RETURN_IF_ERROR(f.string("primary_ns", soa.primary_ns));
  MCNS_RETURN_IF_ERROR(f.string("admin_email", soa.admin_email));
  MCNS_RETURN_IF_ERROR(f.integer("refresh", soa.refresh));
  MCNS_RETURN_IF_ERROR(f.integer("retry", soa.retry));
  MCNS_RETURN_IF_ERROR(f.integer("expire", soa.expire));
  MCNS_RETURN_IF_ERROR(f.integer("minimum_ttl", soa.minimum_ttl));
  return ok_status();
}

ojson zone_json(const domain::Zone& z) {
  ojson j;
  j["ID"] = z.id;
  j["Name"] = z.name;
  j["PrimaryNS"] = z.primary_ns;
  j["AdminEmail"] = z.admin_email;
  j["Refresh"] = z.refresh;
  j["Retry"] = z.retry;
  j["Expire"] = z.expire;
  j["MinimumTTL"] = z.minimum_ttl;
  j["Serial"] = z.serial;
  j["CreatedAt"] = auth::format_rfc3339(z.created_at);
  j["UpdatedAt"] = auth::format_rfc3339(z.updated_at);
  return j;
}

ojson record_json(const domain::Record& r) {
  ojson j;
  j["ID"] = r.id;
  j["ZoneID"] = r.zone_id;
  j["Name"] = r.name;
  j["Type"] = r.type;
  j["Value"] = r.value;
  j["TTL"] = r.ttl;
  j["CreatedAt"] = auth::format_rfc3339(r.created_at);
  j["UpdatedAt"] = auth::format_rfc3339(r.updated_at);
  return j;
}

// Invalid UTF-8 from a client must not turn an error answer into an exception.
std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

}  // namespace

StatusOr<domain::CreateZone> decode_create_zone(std::string_view body) {
  MCNS_ASSIGN_OR_RETURN(Fields f, Fields::parse(body));
  domain::CreateZone cmd;
  MCNS_RETURN_IF_ERROR(f.string("name", cmd.name));
  MCNS_RETURN_IF_ERROR(decode_soa(f, cmd.soa));
  return cmd;
}

StatusOr<domain::SoaFields> decode_update_zone(std::string_view body) {
  MCNS_ASSIGN_OR_RETURN(Fields f, Fields::parse(body));
  domain::SoaFields soa;
  MCNS_RETURN_IF_ERROR(decode_soa(f, soa));
  return soa;
}

StatusOr<domain::RecordFields> decode_record(std::string_view body) {
  MCNS_ASSIGN_OR_RETURN(Fields f, Fields::parse(body));
  domain::RecordFields r;
  MCNS_RETURN_IF_ERROR(f.string("name", r.name));
  MCNS_RETURN_IF_ERROR(f.string("type", r.type));
  MCNS_RETURN_IF_ERROR(f.string("value", r.value));
  MCNS_RETURN_IF_ERROR(f.integer("ttl", r.ttl));
  return r;
}

StatusOr<auth::LoginRequest> decode_login(std::string_view body) {
  MCNS_ASSIGN_OR_RETURN(Fields f, Fields::parse(body));
  auth::LoginRequest req;
  MCNS_RETURN_IF_ERROR(f.string("username", req.username));
  MCNS_RETURN_IF_ERROR(f.string("password", req.password));
  MCNS_RETURN_IF_ERROR(f.string("totp_code", req.totp_code));
  return req;
}

std::string encode_zone(const domain::Zone& zone) { return dump(zone_json(zone)); }

std::string encode_zones(const std::vector<domain::Zone>& zones) {
  ojson list = ojson::array();
  for (const auto& z : zones) list.push_back(zone_json(z));
  ojson j;
  j["zones"] = std::move(list);
  return dump(j);
}

std::string encode_record(const domain::Record& record) { return dump(record_json(record)); }

std::string encode_records(const std::vector<domain::Record>& records) {
  ojson list = ojson::array();
  for (const auto& r : records) list.push_back(record_json(r));
  ojson j;
  j["records"] = std::move(list);
  return dump(j);
}

std::string encode_login(const auth::LoginResult& result) {
  ojson j;
  j["token"] = result.token;
  j["expires_at"] = result.expires_at;
  return dump(j);
}

std::string encode_error(std::string_view message) {
  ojson j;
  j["error"] = std::string(message);
  return dump(j);
}

std::string encode_status(std::string_view status) {
  ojson j;
  j["status"] = std::string(status);
  return dump(j);
}

}  // namespace mcns::control::rest
