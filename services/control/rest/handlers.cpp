#include "services/control/rest/handlers.h"

#include <nlohmann/json.hpp>

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
  return json(200, encode_zone(*zone));
}

Response update_zone(const Call& c) {
  auto soa = decode_update_zone(c.request.body);
  if (!soa.ok()) return error_response(soa.status());
  domain::UpdateZone cmd{c.param("zone"), *std::move(soa)};
  auto zone = c.zones.update_zone(*c.who, cmd);
  auth::audit(kApi, *c.who, "update_zone", zone_target(cmd.zone), zone.status());
  if (!zone.ok()) return error_response(zone.status());
  return json(200, encode_zone(*zone));
}

Response delete_zone(const Call& c) {
  Status s = c.zones.delete_zone(*c.who, c.param("zone"), std::nullopt);
  auth::audit(kApi, *c.who, "delete_zone", zone_target(c.param("zone")), s);
  if (!s.ok()) return error_response(s);
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
  domain::RecordFilter filter{c.param("zone"), c.query_value("name"), c.query_value("type")};
  auto records = c.zones.list_records(*c.who, filter);
  if (!records.ok()) return error_response(records.status());
  return json(200, encode_records(*records));
}

Response create_record(const Call& c) {
  auto fields = decode_record(c.request.body);
  if (!fields.ok()) return error_response(fields.status());
  domain::CreateRecord cmd{c.param("zone"), *std::move(fields)};
  auto record = c.zones.create_record(*c.who, cmd);
  auth::audit(kApi, *c.who, "create_record",
              str_cat(zone_target(cmd.zone), record.ok() ? str_cat(" id=", record->id) : std::string(), " name=",
                      cmd.fields.name, " type=", cmd.fields.type),
              record.status());
  if (!record.ok()) return error_response(record.status());
  return json(201, encode_record(*record));
}

Response get_record(const Call& c) {
  auto id = record_id(c);
  if (!id.ok()) return error_response(id.status());
  auto record = c.zones.get_record(*c.who, c.param("zone"), *id);
  if (!record.ok()) return error_response(record.status());
  return json(200, encode_record(*record));
}

Response update_record(const Call& c) {
  auto id = record_id(c);
  if (!id.ok()) return error_response(id.status());
  auto fields = decode_record(c.request.body);
  if (!fields.ok()) return error_response(fields.status());
  domain::UpdateRecord cmd{c.param("zone"), *id, *std::move(fields)};
  auto record = c.zones.update_record(*c.who, cmd);
  auth::audit(kApi, *c.who, "update_record",
              str_cat(record_target(cmd.zone, cmd.id), " name=", cmd.fields.name, " type=", cmd.fields.type),
              record.status());
  if (!record.ok()) return error_response(record.status());
  return json(200, encode_record(*record));
}

Response delete_record(const Call& c) {
  auto id = record_id(c);
  if (!id.ok()) return error_response(id.status());
  Status s = c.zones.delete_record(*c.who, c.param("zone"), *id, std::nullopt);
  auth::audit(kApi, *c.who, "delete_record", record_target(c.param("zone"), *id), s);
  if (!s.ok()) return error_response(s);
  return no_content();
}

Response list_frontends(const Call& c) {
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
