#include "services/control/grpc/services.h"

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/grpcutil/grpcutil.h"
#include "services/control/auth/audit.h"
#include "services/control/domain/zone_export.h"
#include "services/control/domain/zone_file.h"
#include "services/control/sync/change_stream.h"
#include "services/control/grpc/auth_processor.h"
#include "services/control/store/sync_mapping.h"

namespace mcns::control::grpcapi {

namespace {

constexpr std::string_view kApi = "grpc";

void set_time(google::protobuf::Timestamp* out, domain::Timestamp t) {
  out->set_seconds(t.time_since_epoch().count());
  out->set_nanos(0);
}

void to_proto(const domain::Zone& z, v1::Zone* out) {
  out->set_id(z.id);
  out->set_name(z.name);
  out->set_primary_ns(z.primary_ns);
  out->set_admin_email(z.admin_email);
  out->set_refresh(z.refresh);
  out->set_retry(z.retry);
  out->set_expire(z.expire);
  out->set_minimum_ttl(z.minimum_ttl);
  out->set_serial(z.serial);
  set_time(out->mutable_created_at(), z.created_at);
  set_time(out->mutable_updated_at(), z.updated_at);
}

void to_proto(const domain::Record& r, v1::Record* out) {
  out->set_id(r.id);
  out->set_zone_id(r.zone_id);
  out->set_name(r.name);
  out->set_type(r.type);
  out->set_value(r.value);
  out->set_ttl(r.ttl);
  set_time(out->mutable_created_at(), r.created_at);
  set_time(out->mutable_updated_at(), r.updated_at);
}

template <typename Req>
domain::SoaFields soa_of(const Req& req) {
  domain::SoaFields soa;
  if (req.has_primary_ns()) soa.primary_ns = req.primary_ns();
  if (req.has_admin_email()) soa.admin_email = req.admin_email();
  if (req.has_refresh()) soa.refresh = req.refresh();
  if (req.has_retry()) soa.retry = req.retry();
  if (req.has_expire()) soa.expire = req.expire();
  if (req.has_minimum_ttl()) soa.minimum_ttl = req.minimum_ttl();
  return soa;
}

template <typename Req>
domain::RecordFields fields_of(const Req& req) {
  domain::RecordFields f{req.name(), req.type(), req.value(), std::nullopt};
  if (req.has_ttl()) f.ttl = req.ttl();
  return f;
}

domain::ExpectedSerial expected_of(const auto& req) {
  if (req.has_expected_serial()) return req.expected_serial();
  return std::nullopt;
}

// Checked before the write, so that a bad value changes nothing.
Status check_wait(const auto& req) {
  if (req.has_wait_timeout_ms() && (req.wait_timeout_ms() < 1 || req.wait_timeout_ms() > 60000))
    return invalid_argument(str_cat("wait_timeout_ms must be 1 to 60000, got ", req.wait_timeout_ms()));
  return ok_status();
}

// SPEC 14 write-and-wait after a committed write: OK once every frontend that must
// serve it does (or at once without wait_serving); else DEADLINE_EXCEEDED saying the
// write is committed, with its version and serial also in the trailing metadata.
::grpc::Status await_serving(::grpc::ServerContext* ctx, domain::ZoneService& zones, const auth::Principal& who,
                             const auto& req, std::string_view zone, std::optional<std::uint32_t> serial) {
  if (!req.wait_serving()) return ::grpc::Status::OK;
  const feed::FleetRegistry* fleet = feed::process_fleet();
  if (!fleet) return ::grpc::Status::OK;
  auto timeout = std::chrono::milliseconds(req.has_wait_timeout_ms() ? req.wait_timeout_ms() : 5000);
  auto version = zones.latest_version();
  if (!version.ok()) return grpcutil::to_grpc(version.status());
  auto outcome = fleet->wait_applied(*version, feed::FleetRegistry::Clock::now() + timeout);
  if (outcome.applied) return ::grpc::Status::OK;
  if (!serial) {
    if (auto z = zones.get_zone(who, zone); z.ok()) serial = z->serial;
  }
  ctx->AddTrailingMetadata("mcns-committed", "true");
  ctx->AddTrailingMetadata("mcns-committed-version", std::to_string(*version));
  ctx->AddTrailingMetadata("mcns-committed-serial", std::to_string(serial.value_or(0)));
  return ::grpc::Status(::grpc::StatusCode::DEADLINE_EXCEEDED,
                        str_cat("the write is committed (version ", *version, ", serial ", serial.value_or(0),
                                ") but not yet served by ", join(outcome.lagging, ", "), " after ", timeout.count(),
                                " ms"));
}

void to_proto(const domain::Change& c, v1::ChangeEntry* out) {
  out->set_version(c.version);
  out->set_serial(c.serial);
  set_time(out->mutable_time(), c.time);
  out->set_user(c.user);
  out->set_via(c.via);
  for (const domain::HistoryOp& op : c.ops) {
    v1::HistoryOp* o = out->add_ops();
    o->set_op(op.op);
    if (op.op == "zone") {
      *o->mutable_zone() = store::to_sync_zone(op.zone);
      o->set_zone_deleted(op.zone_deleted);
    } else {
      *o->mutable_record() = store::to_sync_record(op.record);
    }
  }
}

StatusOr<domain::ChangeRequestOp> op_of(const v1::BatchOp& in, int index) {
  auto where = [&](const Status& s) { return Status(s.code(), str_cat("ops[", index, "]: ", s.message())); };
  domain::ChangeRequestOp op;
  op.record = domain::RecordFields{in.name(), in.type(), in.value(), std::nullopt};
  if (in.has_ttl()) op.record.ttl = in.ttl();
  if (in.op() == "add") {
    op.kind = domain::ChangeOpKind::kAdd;
  } else if (in.op() == "remove") {
    if (in.id() != 0) {
      op.kind = domain::ChangeOpKind::kRemoveId;
      op.id = in.id();
    } else {
      op.kind = domain::ChangeOpKind::kRemoveMatch;
      if (in.name().empty() || in.type().empty() || in.value().empty())
        return where(invalid_argument("\"remove\" needs an \"id\", or \"name\", \"type\" and \"value\""));
    }
  } else if (in.op() == "replace") {
    op.kind = domain::ChangeOpKind::kReplace;
    for (const v1::RecordValue& v : in.records()) {
      domain::RecordFields f{"", "", v.value(), std::nullopt};
      if (v.has_ttl()) f.ttl = v.ttl();
      op.records.push_back(std::move(f));
    }
  } else {
    return where(invalid_argument(str_cat("\"op\" must be \"add\", \"remove\" or \"replace\", got \"", in.op(), "\"")));
  }
  return op;
}

}  // namespace

// The edge (auth_processor.cpp) has already checked every non-public call; WHO is the
// call's caller (see caller() for why it is looked up again), or the handler returns.
#define MCNS_GRPC_CALLER(who, ctx)                                   \
  auto who##_or = caller(*(ctx), authenticator_);                    \
  if (!who##_or.ok()) return grpcutil::to_grpc(who##_or.status());   \
  const auth::Principal& who = *who##_or

::grpc::Status AdminRpc::Health(::grpc::ServerContext*, const v1::HealthRequest*, v1::HealthResponse* out) {
  out->set_status("ok");
  return ::grpc::Status::OK;
}

::grpc::Status AdminRpc::ListFrontends(::grpc::ServerContext* ctx, const v1::ListFrontendsRequest*,
                                       v1::ListFrontendsResponse* out) {
  MCNS_GRPC_CALLER(who, ctx);
  if (Status s = zones_.authorize_fleet_view(who); !s.ok()) return grpcutil::to_grpc(s);
  const feed::FleetRegistry* fleet = feed::process_fleet();
  if (!fleet) return ::grpc::Status::OK;  // no frontends are followed here
  for (const feed::FrontendInfo& f : fleet->list()) {
    v1::Frontend* o = out->add_frontends();
    o->set_name(f.name);
    o->set_peer(f.peer);
    o->set_version(f.version);
    o->set_lag_versions(f.lag_versions);
    o->set_lag_seconds(f.lag_seconds);
    o->set_connected_since(feed::rfc3339(f.connected_since));
    if (f.last_report) o->set_last_report(feed::rfc3339(*f.last_report));
    o->set_connected(f.connected);
    o->set_reports(f.reports);
  }
  return ::grpc::Status::OK;
}

::grpc::Status AuthRpc::Login(::grpc::ServerContext*, const v1::LoginRequest* req, v1::LoginResponse* out) {
  auth::LoginRequest login{req->username(), req->password(), req->totp_code()};
  auto result = authenticator_.login(login);
  log::info("login api=", kApi, " user=", req->username(), " result=",
            result.ok() ? std::string_view("OK") : status_code_name(result.status().code()));
  if (!result.ok()) return grpcutil::to_grpc(result.status());
  out->set_token(result->token);
  if (result->expires_at_time) set_time(out->mutable_expires_at(), *result->expires_at_time);
  return ::grpc::Status::OK;
}

::grpc::Status AuthRpc::Logout(::grpc::ServerContext* ctx, const v1::LogoutRequest*, v1::LogoutResponse*) {
  MCNS_GRPC_CALLER(who, ctx);
  Status s = authenticator_.logout(bearer_of(*ctx));
  log::info("logout api=", kApi, " user=", who.username, " result=", s.ok() ? std::string_view("OK") : status_code_name(s.code()));
  return grpcutil::to_grpc(s);
}

::grpc::Status ZoneRpc::ListZones(::grpc::ServerContext* ctx, const v1::ListZonesRequest*, v1::ListZonesResponse* out) {
  MCNS_GRPC_CALLER(who, ctx);
  auto zones = zones_.list_zones(who);
  if (!zones.ok()) return grpcutil::to_grpc(zones.status());
  for (const auto& z : *zones) to_proto(z, out->add_zones());
  return ::grpc::Status::OK;
}

::grpc::Status ZoneRpc::GetZone(::grpc::ServerContext* ctx, const v1::GetZoneRequest* req, v1::Zone* out) {
  MCNS_GRPC_CALLER(who, ctx);
  auto zone = zones_.get_zone(who, req->zone());
  if (!zone.ok()) return grpcutil::to_grpc(zone.status());
  to_proto(*zone, out);
  return ::grpc::Status::OK;
}

::grpc::Status ZoneRpc::CreateZone(::grpc::ServerContext* ctx, const v1::CreateZoneRequest* req, v1::Zone* out) {
  MCNS_GRPC_CALLER(who, ctx);
  domain::CreateZone cmd{req->name(), soa_of(*req)};
  auto zone = zones_.create_zone(who, cmd);
  auth::audit(kApi, who, "create_zone", str_cat("zone=", cmd.name), zone.status());
  if (!zone.ok()) return grpcutil::to_grpc(zone.status());
  to_proto(*zone, out);
  return ::grpc::Status::OK;
}

::grpc::Status ZoneRpc::UpdateZone(::grpc::ServerContext* ctx, const v1::UpdateZoneRequest* req, v1::Zone* out) {
  MCNS_GRPC_CALLER(who, ctx);
  if (Status w = check_wait(*req); !w.ok()) return grpcutil::to_grpc(w);
  domain::UpdateZone cmd{req->zone(), soa_of(*req), expected_of(*req)};
  auto zone = zones_.update_zone(who, cmd);
  auth::audit(kApi, who, "update_zone", str_cat("zone=", cmd.zone), zone.status());
  if (!zone.ok()) return grpcutil::to_grpc(zone.status());
  to_proto(*zone, out);
  return await_serving(ctx, zones_, who, *req, zone->name, zone->serial);
}

::grpc::Status ZoneRpc::DeleteZone(::grpc::ServerContext* ctx, const v1::DeleteZoneRequest* req,
                                   v1::DeleteZoneResponse*) {
  MCNS_GRPC_CALLER(who, ctx);
  if (Status w = check_wait(*req); !w.ok()) return grpcutil::to_grpc(w);
  Status s = zones_.delete_zone(who, req->zone(), expected_of(*req));
  auth::audit(kApi, who, "delete_zone", str_cat("zone=", req->zone()), s);
  if (!s.ok()) return grpcutil::to_grpc(s);
  return await_serving(ctx, zones_, who, *req, req->zone(), std::nullopt);
}

::grpc::Status ZoneRpc::ExportZone(::grpc::ServerContext* ctx, const v1::ExportZoneRequest* req,
                                   v1::ExportZoneResponse* out) {
  MCNS_GRPC_CALLER(who, ctx);
  auto text = domain::export_zone(zones_, who, req->zone());
  if (!text.ok()) return grpcutil::to_grpc(text.status());
  out->set_zone_file(*std::move(text));
  return ::grpc::Status::OK;
}

::grpc::Status ZoneRpc::ImportZone(::grpc::ServerContext* ctx, const v1::ImportZoneRequest* req,
                                   v1::ImportZoneResponse* out) {
  MCNS_GRPC_CALLER(who, ctx);
  if (!import_zone_) return grpcutil::to_grpc(unimplemented("zone import is not available on this server"));
  // Decoding the file is this transport's part (like JSON for REST); the domain then
  // authorizes (admins only) and checks every record with the API's rules.
  auto parsed = domain::parse_zone_file(req->zone_file(), req->zone());
  auto result = parsed.ok() ? import_zone_(who, *parsed) : StatusOr<domain::ImportResult>(parsed.status());
  auth::audit(kApi, who, "import_zone", str_cat("zone=", req->zone()), result.status());
  if (!result.ok()) return grpcutil::to_grpc(result.status());
  to_proto(result->zone, out->mutable_zone());
  out->set_created(result->created);
  out->set_added(result->added);
  out->set_removed(result->removed);
  out->set_updated(result->updated);
  out->set_unchanged(result->unchanged);
  out->set_version(result->version);
  return ::grpc::Status::OK;
}

::grpc::ServerWriteReactor<v1::ChangeEvent>* ZoneRpc::WatchChanges(::grpc::CallbackServerContext* ctx,
                                                                   const v1::WatchChangesRequest* req) {
  auto who = caller(*ctx, authenticator_);
  if (!who.ok()) return sync::refused_change_stream(who.status());
  if (!change_feed_) return sync::refused_change_stream(unimplemented("watching changes is not available on this server"));
  // Readers only, decided by the domain: the same check as listing the zones (or reading
  // the one zone watched, which also says when it does not exist).
  std::string zone;
  if (req->zone().empty()) {
    if (auto zones = zones_.list_zones(*who); !zones.ok()) return sync::refused_change_stream(zones.status());
  } else {
    auto z = zones_.get_zone(*who, req->zone());
    if (!z.ok()) return sync::refused_change_stream(z.status());
    zone = z->name;
  }
  return sync::open_change_stream(*change_feed_, ctx, std::move(zone), str_cat(who->username, "@", ctx->peer()));
}

::grpc::Status RecordRpc::ListRecords(::grpc::ServerContext* ctx, const v1::ListRecordsRequest* req,
                                      v1::ListRecordsResponse* out) {
  MCNS_GRPC_CALLER(who, ctx);
  domain::RecordFilter filter{req->zone(), std::nullopt, std::nullopt};
  if (req->has_name()) filter.name = req->name();
  if (req->has_type()) filter.type = req->type();
  auto records = zones_.list_records(who, filter);
  if (!records.ok()) return grpcutil::to_grpc(records.status());
  for (const auto& r : *records) to_proto(r, out->add_records());
  return ::grpc::Status::OK;
}

::grpc::Status RecordRpc::GetRecord(::grpc::ServerContext* ctx, const v1::GetRecordRequest* req, v1::Record* out) {
  MCNS_GRPC_CALLER(who, ctx);
  auto record = zones_.get_record(who, req->zone(), req->id());
  if (!record.ok()) return grpcutil::to_grpc(record.status());
  to_proto(*record, out);
  return ::grpc::Status::OK;
}

::grpc::Status RecordRpc::CreateRecord(::grpc::ServerContext* ctx, const v1::CreateRecordRequest* req,
                                       v1::Record* out) {
  MCNS_GRPC_CALLER(who, ctx);
  if (Status w = check_wait(*req); !w.ok()) return grpcutil::to_grpc(w);
  domain::CreateRecord cmd{req->zone(), fields_of(*req), expected_of(*req)};
  auto record = zones_.create_record(who, cmd);
  auth::audit(kApi, who, "create_record",
              str_cat("zone=", cmd.zone, record.ok() ? str_cat(" id=", record->id) : std::string(), " name=",
                      cmd.fields.name, " type=", cmd.fields.type),
              record.status());
  if (!record.ok()) return grpcutil::to_grpc(record.status());
  to_proto(*record, out);
  return await_serving(ctx, zones_, who, *req, cmd.zone, std::nullopt);
}

::grpc::Status RecordRpc::UpdateRecord(::grpc::ServerContext* ctx, const v1::UpdateRecordRequest* req,
                                       v1::Record* out) {
  MCNS_GRPC_CALLER(who, ctx);
  if (Status w = check_wait(*req); !w.ok()) return grpcutil::to_grpc(w);
  domain::UpdateRecord cmd{req->zone(), req->id(), fields_of(*req), expected_of(*req)};
  auto record = zones_.update_record(who, cmd);
  auth::audit(kApi, who, "update_record",
              str_cat("zone=", cmd.zone, " id=", cmd.id, " name=", cmd.fields.name, " type=", cmd.fields.type),
              record.status());
  if (!record.ok()) return grpcutil::to_grpc(record.status());
  to_proto(*record, out);
  return await_serving(ctx, zones_, who, *req, cmd.zone, std::nullopt);
}

::grpc::Status RecordRpc::DeleteRecord(::grpc::ServerContext* ctx, const v1::DeleteRecordRequest* req,
                                       v1::DeleteRecordResponse*) {
  MCNS_GRPC_CALLER(who, ctx);
  if (Status w = check_wait(*req); !w.ok()) return grpcutil::to_grpc(w);
  Status s = zones_.delete_record(who, req->zone(), req->id(), expected_of(*req));
  auth::audit(kApi, who, "delete_record", str_cat("zone=", req->zone(), " id=", req->id()), s);
  if (!s.ok()) return grpcutil::to_grpc(s);
  return await_serving(ctx, zones_, who, *req, req->zone(), std::nullopt);
}

::grpc::Status ChangeRpc::Apply(::grpc::ServerContext* ctx, const v1::ApplyChangesRequest* req, v1::ChangeEntry* out) {
  MCNS_GRPC_CALLER(who, ctx);
  if (Status w = check_wait(*req); !w.ok()) return grpcutil::to_grpc(w);
  domain::ChangeRequest request{req->zone(), {}, expected_of(*req)};
  for (int i = 0; i < req->ops_size(); ++i) {
    auto op = op_of(req->ops(i), i);
    if (!op.ok()) return grpcutil::to_grpc(op.status());
    request.ops.push_back(*std::move(op));
  }
  auto change = zones_.apply_changes(who, request);
  auth::audit(kApi, who, "apply_changes", str_cat("zone=", request.zone, " ops=", request.ops.size()),
              change.status());
  if (!change.ok()) return grpcutil::to_grpc(change.status());
  to_proto(*change, out);
  return await_serving(ctx, zones_, who, *req, request.zone, change->serial);
}

::grpc::Status ChangeRpc::ListChanges(::grpc::ServerContext* ctx, const v1::ListChangesRequest* req,
                                      v1::ListChangesResponse* out) {
  MCNS_GRPC_CALLER(who, ctx);
  domain::HistoryQuery query{req->zone(), {}, {}};
  if (req->has_after_serial()) query.after_serial = req->after_serial();
  if (req->has_limit()) query.limit = req->limit();
  auto changes = zones_.list_changes(who, query);
  if (!changes.ok()) return grpcutil::to_grpc(changes.status());
  for (const domain::Change& c : *changes) to_proto(c, out->add_changes());
  return ::grpc::Status::OK;
}

::grpc::Status ChangeRpc::Rollback(::grpc::ServerContext* ctx, const v1::RollbackRequest* req, v1::ChangeEntry* out) {
  MCNS_GRPC_CALLER(who, ctx);
  if (Status w = check_wait(*req); !w.ok()) return grpcutil::to_grpc(w);
  domain::Rollback cmd{req->zone(), req->to_serial(), expected_of(*req)};
  auto change = zones_.rollback(who, cmd);
  auth::audit(kApi, who, "rollback", str_cat("zone=", cmd.zone, " to_serial=", cmd.to_serial), change.status());
  if (!change.ok()) return grpcutil::to_grpc(change.status());
  to_proto(*change, out);
  return await_serving(ctx, zones_, who, *req, cmd.zone, change->serial);
}

}  // namespace mcns::control::grpcapi
