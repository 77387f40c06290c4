#include "services/control/grpc/method_map.h"

namespace mcns::control::grpcapi {

using auth::Access;

const MethodMap& MethodMap::standard() {
  static const MethodMap map({
      {"/mcns.v1.AdminService/Health",       Access::kPublic},
      {"/mcns.v1.AdminService/ListFrontends", Access::kAuthenticated},
      {"/mcns.v1.AuthService/Login",         Access::kPublic},
      {"/mcns.v1.AuthService/Logout",        Access::kAuthenticated},
      {"/mcns.v1.ZoneService/ListZones",     Access::kAuthenticated},
      {"/mcns.v1.ZoneService/GetZone",       Access::kAuthenticated},
      {"/mcns.v1.ZoneService/CreateZone",    Access::kAuthenticated},
      {"/mcns.v1.ZoneService/UpdateZone",    Access::kAuthenticated},
      {"/mcns.v1.ZoneService/DeleteZone",    Access::kAuthenticated},
      {"/mcns.v1.ZoneService/ImportZone",    Access::kAuthenticated},
      {"/mcns.v1.ZoneService/ExportZone",    Access::kAuthenticated},
      // Readers: the stream asks the domain (list_zones / get_zone) before it opens.
      {"/mcns.v1.ZoneService/WatchChanges",  Access::kAuthenticated},
      {"/mcns.v1.RecordService/ListRecords",  Access::kAuthenticated},
      {"/mcns.v1.RecordService/GetRecord",    Access::kAuthenticated},
      {"/mcns.v1.RecordService/CreateRecord", Access::kAuthenticated},
      {"/mcns.v1.RecordService/UpdateRecord", Access::kAuthenticated},
      {"/mcns.v1.RecordService/DeleteRecord", Access::kAuthenticated},
      {"/mcns.v1.ChangeService/Apply",       Access::kAuthenticated},
      {"/mcns.v1.ChangeService/ListChanges", Access::kAuthenticated},
      {"/mcns.v1.ChangeService/Rollback",    Access::kAuthenticated},
      // The watch stream authorizes its caller itself (ZoneService::authorize_watch:
      // admins and [sync] allowed_accounts); the edge only authenticates.
      {"/mcns.v1.SyncService/Watch",         Access::kAuthenticated},
      // The frontends' version reports: authorized by the service as Watch is.
      {"/mcns.v1.SyncService/Report",        Access::kAuthenticated},
      // Server reflection describes the public API, as the proto files do.
      {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", Access::kPublic},
      {"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",      Access::kPublic},
  });
  return map;
}

std::optional<auth::Access> MethodMap::find(std::string_view method) const {
  for (const auto& m : methods_)
    if (m.method == method) return m.access;
  return std::nullopt;
}

}  // namespace mcns::control::grpcapi
