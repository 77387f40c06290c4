#include "services/control/rest/handlers.h"

#include <nlohmann/json.hpp>

#include <chrono>

#include "common/base/http_status.h"
#include "common/base/log.h"
#include "common/base/strings.h"
#include "services/control/auth/access.h"
#include "services/control/auth/audit.h"
#include "services/control/domain/zone_export.h"
#include "services/control/feed/fleet.h"
#include "services/control/rest/json_codec.h"

namespace mcns::control::rest {

namespace {

constexpr std::string_view kApi = "rest";

Response json(int status, std::string body) { return Response{status, std::move(body)}; }
Response no_content() { return Response{204, {}}; }

StatusOr<std::int64_t> record_id(const Call& c) {
  auto id = parse_int<std::int64_t>(c.param("id"));
  if (!id) return invalid_argument(str_cat("record id must be an integer, got \"", c.param("id"), "\""));
  return *id;
}

std::string zone_target(std::string_view zone) { return str_cat("zone=", zone); }

// If-Match: "<serial>" (SPEC 14). "*" or no header: unconditional.
StatusOr<domain::ExpectedSerial> if_match(const Call& c) {
  auto header = c.request.header("if-match");
  if (!header) return domain::ExpectedSerial{};
  std::string_view v = trim(*header);
  if (v == "*") return domain::ExpectedSerial{};
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  auto serial = parse_int<std::uint32_t>(v);
  if (!serial)
    return invalid_argument(str_cat("If-Match must be the zone's serial in quotes (as its ETag), e.g. \"2026113001\", got ",
                                    *header));
  return domain::ExpectedSerial{*serial};
}

std::string etag(std::uint32_t serial) { return str_cat("\"", serial, "\""); }

// ?wait=serving[&wait_timeout_ms=N] (SPEC 14 write-and-wait), read before the write so
// that a bad value changes nothing.
struct WaitRequest {
  bool serving = false;
  std::chrono::milliseconds timeout{5000};
};

StatusOr<WaitRequest> wait_request(const Call& c) {
  WaitRequest w;
  if (auto wait = c.query_value("wait")) {
    if (*wait != "serving") return invalid_argument(str_cat("wait must be \"serving\", got \"", *wait, "\""));
    w.serving = true;
  }
  if (auto t = c.query_value("wait_timeout_ms")) {
    auto ms = parse_int<std::int64_t>(*t);
    if (!ms || *ms < 1 || *ms > 60000)
      return invalid_argument(str_cat("wait_timeout_ms must be 1 to 60000, got \"", *t, "\""));
    w.timeout = std::chrono::milliseconds(*ms);
  }
  return w;
}

// If-Match and ?wait=, both read before a write so that a bad one changes nothing.
struct WriteConditions {
  domain::ExpectedSerial expected;
  WaitRequest wait;
};

StatusOr<WriteConditions> write_conditions(const Call& c) {
  WriteConditions out;
  MCNS_ASSIGN_OR_RETURN(out.expected, if_match(c));
  MCNS_ASSIGN_OR_RETURN(out.wait, wait_request(c));
  return out;
}

// After a committed write: nullopt once every frontend that must serve it does (or at
// once without ?wait=serving), else the 504 that says the write is committed and who lags.
std::optional<Response> await_serving(const Call& c, const WaitRequest& w, std::string_view zone,
                                      std::optional<std::uint32_t> serial) {
  if (!w.serving || !c.fleet) return std::nullopt;
  auto version = c.zones.latest_version();
  if (!version.ok()) return error_response(version.status());
  auto outcome = c.fleet->wait_applied(*version, feed::FleetRegistry::Clock::now() + w.timeout);
  if (outcome.applied) return std::nullopt;
  if (!serial) {
    if (auto z = c.zones.get_zone(*c.who, zone); z.ok()) serial = z->serial;
  }
  nlohmann::ordered_json body{
      {"error", str_cat("the write is committed (version ", *version, ") but not yet served by ",
                        join(outcome.lagging, ", "), " after ", w.timeout.count(), " ms")},
      {"Committed", true},
      {"Version", *version},
      {"Serial", serial.value_or(0)},
      {"Lagging", outcome.lagging}};
  return Response{504, body.dump()};
}
std::string record_target(std::string_view zone, std::int64_t id) { return str_cat("zone=", zone, " id=", id); }

}  // namespace

Response error_response(const Status& status) {
  // The REST edge: what the client may see of the failure (SPEC 16), as gRPC's to_grpc.
  Status shown = client_facing(status);
  Response r{http_status_for(shown.code()), encode_error(shown.message())};
  if (r.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

Response health(const Call&) { return json(200, encode_status("ok")); }

Response login(const Call& c) {
  auto req = decode_login(c.request.body);
  if (!req.ok()) return error_response(req.status());
  auto result = c.authenticator.login(*req);
  // Never the password, never the token.
  log::info("login api=", kApi, " user=", req->username, " result=",
            result.ok() ? std::string_view("OK") : status_code_name(result.status().code()));
  if (!result.ok()) return error_response(result.status());
  return json(200, encode_login(*result));
}

Response logout(const Call& c) {
  // NOTE: not bearer_token(authorization.value_or("")): that view would point into a
  // temporary string.
  const std::string& header = c.request.authorization ? *c.request.authorization : std::string();
  std::string_view token = auth::bearer_token(header);
  Status s = c.authenticator.logout(token);
  log::info("logout api=", kApi, " user=", c.who->username, " result=", s.ok() ? std::string_view("OK") : status_code_name(s.code()));
  if (!s.ok()) return error_response(s);
  return no_content();
}

Response list_zones(const Call& c) {
  auto zones = c.zones.list_zones(*c.who);
  if (!zones.ok()) return error_response(zones.status());
  return json(200, encode_zones(*zones));
}

Response create_zone(const Call& c) {
  auto cmd = decode_create_zone(c.request.body);
  if (!cmd.ok()) return error_response(cmd.status());
  auto zone = c.zones.create_zone(*c.who, *cmd);
  auth::audit(kApi, *c.who, "create_zone", zone_target(cmd->name), zone.status());
  if (!zone.ok()) return error_response(zone.status());
  return json(201, encode_zone(*zone));
}

Response get_zone(const Call& c) {
  auto zone = c.zones.get_zone(*c.who, c.param("zone"));
  if (!zone.ok()) return error_response(zone.status());
  Response r = json(200, encode_zone(*zone));
  r.headers.emplace_back("ETag", etag(zone->serial));
  return r;
}

Response update_zone(const Call& c) {
  auto soa = decode_update_zone(c.request.body);
  if (!soa.ok()) return error_response(soa.status());
  auto cond = write_conditions(c);
  if (!cond.ok()) return error_response(cond.status());
  domain::UpdateZone cmd{c.param("zone"), *std::move(soa), cond->expected};
  auto zone = c.zones.update_zone(*c.who, cmd);
  auth::audit(kApi, *c.who, "update_zone", zone_target(cmd.zone), zone.status());
  if (!zone.ok()) return error_response(zone.status());
  if (auto late = await_serving(c, cond->wait, zone->name, zone->serial)) return *late;
  Response r = json(200, encode_zone(*zone));
  r.headers.emplace_back("ETag", etag(zone->serial));
  return r;
}

Response delete_zone(const Call& c) {
  auto cond = write_conditions(c);
  if (!cond.ok()) return error_response(cond.status());
  Status s = c.zones.delete_zone(*c.who, c.param("zone"), cond->expected);
  auth::audit(kApi, *c.who, "delete_zone", zone_target(c.param("zone")), s);
  if (!s.ok()) return error_response(s);
  if (auto late = await_serving(c, cond->wait, c.param("zone"), std::nullopt)) return *late;
  return no_content();
}

Response export_zone(const Call& c) {
  auto text = domain::export_zone(c.zones, *c.who, c.param("zone"));
  if (!text.ok()) return error_response(text.status());
  Response r(200, *std::move(text));
  r.content_type = "text/dns";
  return r;
}

Response list_records(const Call& c) {
  // The zone's serial is read first: a write between the two reads gives an ETag older
  // than the records, so a conditional write made with it fails (412) rather than
  // overwriting what the caller has not seen.
  auto zone = c.zones.get_zone(*c.who, c.param("zone"));
  if (!zone.ok()) return error_response(zone.status());
  domain::RecordFilter filter{c.param("zone"), c.query_value("name"), c.query_value("type")};
  auto records = c.zones.list_records(*c.who, filter);
  if (!records.ok()) return error_response(records.status());
  Response r = json(200, encode_records(*records));
  r.headers.emplace_back("ETag", etag(zone->serial));
  return r;
}

Response create_record(const Call& c) {
  auto fields = decode_record(c.request.body);
  if (!fields.ok()) return error_response(fields.status());
  auto cond = write_conditions(c);
  if (!cond.ok()) return error_response(cond.status());
  domain::CreateRecord cmd{c.param("zone"), *std::move(fields), cond->expected};
  auto record = c.zones.create_record(*c.who, cmd);
  auth::audit(kApi, *c.who, "create_record",
              str_cat(zone_target(cmd.zone), record.ok() ? str_cat(" id=", record->id) : std::string(), " name=",
                      cmd.fields.name, " type=", cmd.fields.type),
              record.status());
  if (!record.ok()) return error_response(record.status());
  if (auto late = await_serving(c, cond->wait, cmd.zone, std::nullopt)) return *late;
  return json(201, encode_record(*record));
}

Response get_record(const Call& c) {
  auto id = record_id(c);
  if (!id.ok()) return error_response(id.status());
  auto zone = c.zones.get_zone(*c.who, c.param("zone"));
  if (!zone.ok()) return error_response(zone.status());
  auto record = c.zones.get_record(*c.who, c.param("zone"), *id);
  if (!record.ok()) return error_response(record.status());
  Response r = json(200, encode_record(*record));
  r.headers.emplace_back("ETag", etag(zone->serial));
  return r;
}

Response update_record(const Call& c) {
  auto id = record_id(c);
  if (!id.ok()) return error_response(id.status());
  auto fields = decode_record(c.request.body);
  if (!fields.ok()) return error_response(fields.status());
  auto cond = write_conditions(c);
  if (!cond.ok()) return error_response(cond.status());
  domain::UpdateRecord cmd{c.param("zone"), *id, *std::move(fields), cond->expected};
  auto record = c.zones.update_record(*c.who, cmd);
  auth::audit(kApi, *c.who, "update_record",
              str_cat(record_target(cmd.zone, cmd.id), " name=", cmd.fields.name, " type=", cmd.fields.type),
              record.status());
  if (!record.ok()) return error_response(record.status());
  if (auto late = await_serving(c, cond->wait, cmd.zone, std::nullopt)) return *late;
  return json(200, encode_record(*record));
}

Response delete_record(const Call& c) {
  auto id = record_id(c);
  if (!id.ok()) return error_response(id.status());
  auto cond = write_conditions(c);
  if (!cond.ok()) return error_response(cond.status());
  Status s = c.zones.delete_record(*c.who, c.param("zone"), *id, cond->expected);
  auth::audit(kApi, *c.who, "delete_record", record_target(c.param("zone"), *id), s);
  if (!s.ok()) return error_response(s);
  if (auto late = await_serving(c, cond->wait, c.param("zone"), std::nullopt)) return *late;
  return no_content();
}

Response list_changes(const Call& c) {
  domain::HistoryQuery query{c.param("zone"), {}, {}};
  if (auto after = c.query_value("after_serial")) {
    auto v = parse_int<std::uint32_t>(*after);
    if (!v) return error_response(invalid_argument(str_cat("after_serial must be a serial, got \"", *after, "\"")));
    query.after_serial = *v;
  }
  if (auto limit = c.query_value("limit")) {
    auto v = parse_int<std::int64_t>(*limit);
    if (!v || *v < 0) return error_response(invalid_argument(str_cat("limit must be a count, got \"", *limit, "\"")));
    query.limit = *v;
  }
  auto changes = c.zones.list_changes(*c.who, query);
  if (!changes.ok()) return error_response(changes.status());
  return json(200, encode_changes(*changes));
}

Response apply_changes(const Call& c) {
  auto request = decode_change_request(c.request.body);
  if (!request.ok()) return error_response(request.status());
  auto cond = write_conditions(c);
  if (!cond.ok()) return error_response(cond.status());
  request->zone = c.param("zone");
  request->expected_serial = cond->expected;
  auto change = c.zones.apply_changes(*c.who, *request);
  auth::audit(kApi, *c.who, "apply_changes", str_cat(zone_target(request->zone), " ops=", request->ops.size()),
              change.status());
  if (!change.ok()) return error_response(change.status());
  if (auto late = await_serving(c, cond->wait, request->zone, change->serial)) return *late;
  return json(200, encode_change(*change));
}

Response rollback(const Call& c) {
  auto to = decode_rollback(c.request.body);
  if (!to.ok()) return error_response(to.status());
  auto cond = write_conditions(c);
  if (!cond.ok()) return error_response(cond.status());
  domain::Rollback cmd{c.param("zone"), *to, cond->expected};
  auto change = c.zones.rollback(*c.who, cmd);
  auth::audit(kApi, *c.who, "rollback", str_cat(zone_target(cmd.zone), " to_serial=", cmd.to_serial), change.status());
  if (!change.ok()) return error_response(change.status());
  if (auto late = await_serving(c, cond->wait, cmd.zone, change->serial)) return *late;
  return json(200, encode_change(*change));
}

Response list_frontends(const Call& c) {
  if (Status s = c.zones.authorize_fleet_view(*c.who); !s.ok()) return error_response(s);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  if (c.fleet) {
    for (const feed::FrontendInfo& f : c.fleet->list()) {
      list.push_back({{"Name", f.name},
                      {"Peer", f.peer},
                      {"Version", f.version},
                      {"LagVersions", f.lag_versions},
                      {"LagSeconds", f.lag_seconds},
                      {"ConnectedSince", feed::rfc3339(f.connected_since)},
                      {"LastReport", f.last_report ? feed::rfc3339(*f.last_report) : std::string()},
                      {"Connected", f.connected},
                      {"Reports", f.reports}});
    }
  }
  nlohmann::ordered_json body{{"frontends", std::move(list)}};
  return json(200, body.dump());
}

}  // namespace mcns::control::rest
