#include "services/control/rest/json_codec.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/base/strings.h"
#include "common/base/time.h"

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
  // A nested object (`what` names it in errors).
  static StatusOr<Fields> of(const ojson& value, std::string_view what) {
    if (!value.is_object()) return invalid_argument(str_cat(what, " must be a JSON object"));
    return Fields(value);
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

Status decode_record_fields(const Fields& f, domain::RecordFields& r) {
  MCNS_RETURN_IF_ERROR(f.string("name", r.name));
  MCNS_RETURN_IF_ERROR(f.string("type", r.type));
  MCNS_RETURN_IF_ERROR(f.string("value", r.value));
  MCNS_RETURN_IF_ERROR(f.integer("ttl", r.ttl));
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
  j["CreatedAt"] = format_rfc3339(z.created_at);
  j["UpdatedAt"] = format_rfc3339(z.updated_at);
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
  j["CreatedAt"] = format_rfc3339(r.created_at);
  j["UpdatedAt"] = format_rfc3339(r.updated_at);
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
  MCNS_RETURN_IF_ERROR(decode_record_fields(f, r));
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

namespace {

StatusOr<domain::ChangeRequestOp> decode_change_op(const ojson& value, std::size_t index) {
  const std::string where = str_cat("ops[", index, "]");
  auto in = [&](const Status& s) { return Status(s.code(), str_cat(where, ": ", s.message())); };
  auto f = Fields::of(value, where);
  if (!f.ok()) return f.status();
  std::string op;
  if (Status s = f->string("op", op); !s.ok()) return in(s);
  domain::ChangeRequestOp out;
  if (op == "add") {
    out.kind = domain::ChangeOpKind::kAdd;
    const ojson* record = f->find("record");
    if (!record) return in(invalid_argument("\"add\" needs a \"record\""));
    auto r = Fields::of(*record, "\"record\"");
    if (!r.ok()) return in(r.status());
    if (Status s = decode_record_fields(*r, out.record); !s.ok()) return in(s);
  } else if (op == "remove") {
    std::optional<std::int64_t> id;
    if (Status s = f->integer("id", id); !s.ok()) return in(s);
    if (id) {
      out.kind = domain::ChangeOpKind::kRemoveId;
      out.id = *id;
      if (out.id <= 0) return in(invalid_argument("\"id\" must be a record id"));
    } else {
      out.kind = domain::ChangeOpKind::kRemoveMatch;
      if (Status s = decode_record_fields(*f, out.record); !s.ok()) return in(s);
      if (out.record.name.empty() || out.record.type.empty() || out.record.value.empty())
        return in(invalid_argument("\"remove\" needs an \"id\", or \"name\", \"type\" and \"value\""));
    }
  } else if (op == "replace") {
    out.kind = domain::ChangeOpKind::kReplace;
    if (Status s = decode_record_fields(*f, out.record); !s.ok()) return in(s);
    const ojson* records = f->find("records");
    if (!records || !records->is_array())
      return in(invalid_argument("\"replace\" needs \"records\", an array of {value, ttl}"));
    for (std::size_t i = 0; i < records->size(); ++i) {
      auto r = Fields::of((*records)[i], str_cat("records[", i, "]"));
      if (!r.ok()) return in(r.status());
      domain::RecordFields rf;
      if (Status s = r->string("value", rf.value); !s.ok()) return in(s);
      if (Status s = r->integer("ttl", rf.ttl); !s.ok()) return in(s);
      out.records.push_back(std::move(rf));
    }
  } else {
    return in(invalid_argument(str_cat("\"op\" must be \"add\", \"remove\" or \"replace\", got \"", op, "\"")));
  }
  return out;
}

ojson change_json(const domain::Change& c) {
  ojson ops = ojson::array();
  for (const domain::HistoryOp& op : c.ops) {
    ojson j;
    j["Op"] = op.op;
    if (op.op == "zone") {
      ojson z;
      z["Name"] = op.zone.name;
      if (op.zone_deleted) {
        z["Deleted"] = true;
      } else {
        z["PrimaryNS"] = op.zone.primary_ns;
        z["AdminEmail"] = op.zone.admin_email;
        z["Refresh"] = op.zone.refresh;
        z["Retry"] = op.zone.retry;
        z["Expire"] = op.zone.expire;
        z["MinimumTTL"] = op.zone.minimum_ttl;
      }
      z["Serial"] = op.zone.serial;
      j["Zone"] = std::move(z);
    } else {
      ojson r;
      r["ID"] = op.record.id;
      r["Name"] = op.record.name;
      r["Type"] = op.record.type;
      r["Value"] = op.record.value;
      r["TTL"] = op.record.ttl;
      j["Record"] = std::move(r);
    }
    ops.push_back(std::move(j));
  }
  ojson j;
  j["Version"] = c.version;
  j["Serial"] = c.serial;
  j["Time"] = format_rfc3339(c.time);
  j["User"] = c.user;
  j["Via"] = c.via;
  j["Ops"] = std::move(ops);
  return j;
}

}  // namespace

StatusOr<domain::ChangeRequest> decode_change_request(std::string_view body) {
  MCNS_ASSIGN_OR_RETURN(Fields f, Fields::parse(body));
  const ojson* ops = f.find("ops");
  if (!ops || !ops->is_array()) return invalid_argument("field \"ops\" must be an array of operations");
  domain::ChangeRequest req;
  for (std::size_t i = 0; i < ops->size(); ++i) {
    MCNS_ASSIGN_OR_RETURN(domain::ChangeRequestOp op, decode_change_op((*ops)[i], i));
    req.ops.push_back(std::move(op));
  }
  return req;
}

StatusOr<std::uint32_t> decode_rollback(std::string_view body) {
  MCNS_ASSIGN_OR_RETURN(Fields f, Fields::parse(body));
  std::optional<std::int64_t> to;
  MCNS_RETURN_IF_ERROR(f.integer("to_serial", to));
  if (!to) return invalid_argument("field \"to_serial\" is required");
  if (*to < 0 || *to > 4294967295) return invalid_argument("field \"to_serial\" must be a serial (0 to 4294967295)");
  return static_cast<std::uint32_t>(*to);
}

std::string encode_change(const domain::Change& change) { return dump(change_json(change)); }

std::string encode_changes(const std::vector<domain::Change>& changes) {
  ojson list = ojson::array();
  for (const auto& c : changes) list.push_back(change_json(c));
  ojson j;
  j["changes"] = std::move(list);
  return dump(j);
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
