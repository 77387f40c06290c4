#pragma once
// SyncService.Watch over the gRPC callback API: one ServerWriteReactor per frontend,
// driven by the ChangeFeed's Watcher (one write in flight, pulled from the shared ring).
#include <functional>
#include <memory>

#include "common/base/status.h"
#include "mcns/v1/sync.grpc.pb.h"
#include "services/control/auth/principal.h"
#include "services/control/domain/zone_service.h"
#include "services/control/feed/change_feed.h"

namespace mcns::control::feed {

class WatchService final : public mcns::v1::SyncService::CallbackService {
 public:
  // Establishes the caller from the call's metadata (the same authenticator as every
  // other RPC); UNAUTHENTICATED/UNAVAILABLE as it decides.
  using Authenticate = std::function<StatusOr<auth::Principal>(grpc::CallbackServerContext*)>;

  WatchService(ChangeFeed& feed, domain::ZoneService& zones, Authenticate authenticate);

  grpc::ServerWriteReactor<mcns::v1::WatchEvent>* Watch(grpc::CallbackServerContext* context,
                                                        const mcns::v1::WatchRequest* request) override;

 private:
  ChangeFeed& feed_;
  domain::ZoneService& zones_;
  Authenticate authenticate_;
};

}  // namespace mcns::control::feed
