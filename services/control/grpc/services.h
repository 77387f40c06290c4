#pragma once
// The four management services of SPEC section 7 (sync API: handlers block on SQLite or
// MCIAS, which gRPC's synchronous thread pool is made for; the callback API would tie
// up its event threads). Each handler decodes, calls exactly one ZoneService or
// Authenticator method, and maps the status with grpcutil::to_grpc: no rules here.
#include "mcns/v1/admin.grpc.pb.h"
#include "mcns/v1/auth.grpc.pb.h"
#include "mcns/v1/change.grpc.pb.h"
#include "mcns/v1/record.grpc.pb.h"
#include "mcns/v1/zone.grpc.pb.h"
#include "services/control/auth/authenticator.h"
#include "services/control/domain/zone_service.h"
#include "services/control/domain/zone_service_impl.h"
#include "services/control/feed/change_feed.h"
#include "services/control/feed/fleet.h"

namespace mcns::control::grpcapi {

class AdminRpc final : public mcns::v1::AdminService::Service {
 public:
  AdminRpc(domain::ZoneService& zones, auth::Authenticator& authenticator)
      : zones_(zones), authenticator_(authenticator) {}
  ::grpc::Status Health(::grpc::ServerContext*, const v1::HealthRequest*, v1::HealthResponse* out) override;
  // SPEC 14 "Fleet" (REST GET /v1/frontends); authenticated at the edge (method map).
  // Lists the process's registry (feed::process_fleet(), set by mcns-control): the server
  // constructs this service itself, and one gRPC service cannot be registered twice.
  ::grpc::Status ListFrontends(::grpc::ServerContext*, const v1::ListFrontendsRequest*,
                               v1::ListFrontendsResponse* out) override;

 private:
  domain::ZoneService& zones_;
  auth::Authenticator& authenticator_;
};

class AuthRpc final : public mcns::v1::AuthService::Service {
 public:
  explicit AuthRpc(auth::Authenticator& authenticator) : authenticator_(authenticator) {}
  ::grpc::Status Login(::grpc::ServerContext*, const v1::LoginRequest* req, v1::LoginResponse* out) override;
  ::grpc::Status Logout(::grpc::ServerContext* ctx, const v1::LogoutRequest*, v1::LogoutResponse*) override;

 private:
  auth::Authenticator& authenticator_;
};

// WatchChanges is a callback method (a stream that lives as long as the operator
// watches must not hold a sync thread); the other methods are synchronous.
class ZoneRpc final : public mcns::v1::ZoneService::WithCallbackMethod_WatchChanges<mcns::v1::ZoneService::Service> {
 public:
  using ImportFn = std::function<StatusOr<domain::ImportResult>(const auth::Principal&, const domain::ZoneImport&)>;
  // Null `import_zone` / `change_feed`: those RPCs answer UNIMPLEMENTED.
  ZoneRpc(domain::ZoneService& zones, auth::Authenticator& authenticator, ImportFn import_zone = {},
          feed::ChangeFeed* change_feed = nullptr)
      : zones_(zones), authenticator_(authenticator), import_zone_(std::move(import_zone)), change_feed_(change_feed) {}
  ::grpc::Status ListZones(::grpc::ServerContext* ctx, const v1::ListZonesRequest*, v1::ListZonesResponse* out) override;
  ::grpc::Status GetZone(::grpc::ServerContext* ctx, const v1::GetZoneRequest* req, v1::Zone* out) override;
  ::grpc::Status CreateZone(::grpc::ServerContext* ctx, const v1::CreateZoneRequest* req, v1::Zone* out) override;
  ::grpc::Status UpdateZone(::grpc::ServerContext* ctx, const v1::UpdateZoneRequest* req, v1::Zone* out) override;
  ::grpc::Status DeleteZone(::grpc::ServerContext* ctx, const v1::DeleteZoneRequest* req,
                            v1::DeleteZoneResponse*) override;
  ::grpc::Status ImportZone(::grpc::ServerContext* ctx, const v1::ImportZoneRequest* req,
                            v1::ImportZoneResponse* out) override;
  ::grpc::Status ExportZone(::grpc::ServerContext* ctx, const v1::ExportZoneRequest* req,
                            v1::ExportZoneResponse* out) override;
  ::grpc::ServerWriteReactor<v1::ChangeEvent>* WatchChanges(::grpc::CallbackServerContext* ctx,
                                                            const v1::WatchChangesRequest* req) override;

 private:
  domain::ZoneService& zones_;
  auth::Authenticator& authenticator_;
  ImportFn import_zone_;
  feed::ChangeFeed* change_feed_;
};

class RecordRpc final : public mcns::v1::RecordService::Service {
 public:
  RecordRpc(domain::ZoneService& zones, auth::Authenticator& authenticator)
      : zones_(zones), authenticator_(authenticator) {}
  ::grpc::Status ListRecords(::grpc::ServerContext* ctx, const v1::ListRecordsRequest* req,
                             v1::ListRecordsResponse* out) override;
  ::grpc::Status GetRecord(::grpc::ServerContext* ctx, const v1::GetRecordRequest* req, v1::Record* out) override;
  ::grpc::Status CreateRecord(::grpc::ServerContext* ctx, const v1::CreateRecordRequest* req, v1::Record* out) override;
  ::grpc::Status UpdateRecord(::grpc::ServerContext* ctx, const v1::UpdateRecordRequest* req, v1::Record* out) override;
  ::grpc::Status DeleteRecord(::grpc::ServerContext* ctx, const v1::DeleteRecordRequest* req,
                              v1::DeleteRecordResponse*) override;

 private:
  domain::ZoneService& zones_;
  auth::Authenticator& authenticator_;
};

// SPEC 14: batches, history, rollback. Writes with wait_serving wait on the process's
// fleet (feed::process_fleet()), as REST's ?wait=serving does.
class ChangeRpc final : public mcns::v1::ChangeService::Service {
 public:
  ChangeRpc(domain::ZoneService& zones, auth::Authenticator& authenticator)
      : zones_(zones), authenticator_(authenticator) {}
  ::grpc::Status Apply(::grpc::ServerContext* ctx, const v1::ApplyChangesRequest* req, v1::ChangeEntry* out) override;
  ::grpc::Status ListChanges(::grpc::ServerContext* ctx, const v1::ListChangesRequest* req,
                             v1::ListChangesResponse* out) override;
  ::grpc::Status Rollback(::grpc::ServerContext* ctx, const v1::RollbackRequest* req, v1::ChangeEntry* out) override;

 private:
  domain::ZoneService& zones_;
  auth::Authenticator& authenticator_;
};

}  // namespace mcns::control::grpcapi
