#pragma once
// SyncService as registered with gRPC: Watch is WatchService's, Report (SPEC 14) is
// served here. One gRPC service cannot be registered twice, so this class is the one
// registered and hands Watch calls to the WatchService.
//
// Report is a client stream (gRPC callback ServerReadReactor): the frontend writes a
// FrontendReport after each applied snapshot or change and on each heartbeat; each one
// updates the FleetRegistry under the stream's peer. The caller is authorized exactly as
// for Watch (the same Authenticate function, ZoneService::authorize_watch).
#include "mcns/v1/sync.grpc.pb.h"
#include "services/control/domain/zone_service.h"
#include "services/control/feed/fleet.h"
#include "services/control/sync/watch_service.h"

namespace mcns::control::sync {

class SyncRpc final : public mcns::v1::SyncService::CallbackService {
 public:
  SyncRpc(WatchService& watch, feed::FleetRegistry& fleet, domain::ZoneService& zones,
          WatchService::Authenticate authenticate);

  grpc::ServerWriteReactor<mcns::v1::WatchEvent>* Watch(grpc::CallbackServerContext* context,
                                                        const mcns::v1::WatchRequest* request) override;
  grpc::ServerReadReactor<mcns::v1::FrontendReport>* Report(grpc::CallbackServerContext* context,
                                                            mcns::v1::ReportAck* ack) override;

 private:
  WatchService& watch_;
  feed::FleetRegistry& fleet_;
  domain::ZoneService& zones_;
  WatchService::Authenticate authenticate_;
};

}  // namespace mcns::control::sync
