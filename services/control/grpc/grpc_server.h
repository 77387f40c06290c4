#pragma once
// The control's gRPC server: AdminService, AuthService, ZoneService and RecordService of
// SPEC section 7 over TLS 1.3 (grpcutil::server_credentials), server reflection, and the
// edge check of every call against the method map (auth_processor.cpp). SyncService.Watch
// is registered by its owner through `extra_services`. gRPC headers stay out of this one.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "services/control/auth/authenticator.h"
#include "services/control/domain/zone_service.h"
#include "services/control/grpc/method_map.h"

namespace grpc {
class Service;
}

namespace mcns::control::domain {
struct ZoneImport;    // domain/zone_service_impl.h
struct ImportResult;
}  // namespace mcns::control::domain

namespace mcns::control::feed {
class ChangeFeed;
}

namespace mcns::control::grpcapi {

// The largest management request accepted (SPEC 16), the same bound as a REST body.
inline constexpr int kMaxRequestBytes = 64 * 1024;


struct GrpcServerOptions {
  std::string listen_addr;  // "host:port", ":port"; port 0: ephemeral
  std::string tls_cert;
  std::string tls_key;
  // Every call's full method name, canonical status code and duration (also calls
  // refused at the edge), for mcns_api_requests_total and the duration histogram.
  std::function<void(std::string_view method, StatusCode code, std::chrono::duration<double> elapsed)> on_call;
  // Services to serve besides the four of this folder (SyncService). Not owned; must
  // outlive the server. Each of their methods must be in `method_map` or is denied.
  std::vector<::grpc::Service*> extra_services;
  const MethodMap* method_map = nullptr;  // null: MethodMap::standard()
  // ZoneService.ImportZone calls this: the domain's import (ZoneServiceImpl::import_zone,
  // which the ZoneService interface and its test doubles do not carry). Null: the RPC
  // answers UNIMPLEMENTED.
  std::function<StatusOr<domain::ImportResult>(const auth::Principal&, const domain::ZoneImport&)> import_zone;
  // ZoneService.WatchChanges streams this feed's committed changes. Not owned; must
  // outlive the server. Null: the RPC answers UNIMPLEMENTED.
  feed::ChangeFeed* change_feed = nullptr;
};

class GrpcServer {
 public:
  static StatusOr<std::unique_ptr<GrpcServer>> start(GrpcServerOptions options, domain::ZoneService& zones,
                                                     auth::Authenticator& authenticator);
  ~GrpcServer();  // shutdown(0) when still running

  std::uint16_t port() const noexcept;
  std::string address() const;  // "127.0.0.1:9443" as bound
  // Stops accepting calls, lets those in flight finish until `deadline`, cancels the rest.
  void shutdown(std::chrono::milliseconds deadline);

  struct Impl;

 private:
  explicit GrpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcns::control::grpcapi
