#pragma once
// SyncService.Watch over the gRPC callback API: one ServerWriteReactor per frontend,
// driven by the ChangeFeed's Watcher (one write in flight, pulled from the shared ring).
//
// A watch stream lives for days, so being allowed when it opened is not enough (SPEC 16):
// every open stream's token is checked again every `recheck_interval` and on recheck()
// (SIGHUP re-read the token file, or dropped MCIAS's cached verdicts). A stream whose
// token is no longer valid, or whose caller may no longer watch, is ended with that
// status; an identity provider that cannot be asked leaves streams open (not a verdict).
// The checks run on the service's own thread: they may wait for MCIAS, and neither the
// gRPC reactors nor the feed thread may block.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "mcns/v1/sync.grpc.pb.h"
#include "services/control/auth/principal.h"
#include "services/control/domain/zone_service.h"
#include "services/control/feed/change_feed.h"

namespace mcns::control::sync {

class WatchService final : public mcns::v1::SyncService::CallbackService {
 public:
  // Establishes the caller from the call's one `authorization` metadata value (the same
  // authenticator as every other RPC); UNAUTHENTICATED/UNAVAILABLE as it decides.
  using Authenticate = std::function<StatusOr<auth::Principal>(std::string_view authorization)>;

  WatchService(feed::ChangeFeed& feed, domain::ZoneService& zones, Authenticate authenticate,
               std::chrono::milliseconds recheck_interval = std::chrono::seconds(60));
  ~WatchService() override;

  grpc::ServerWriteReactor<mcns::v1::WatchEvent>* Watch(grpc::CallbackServerContext* context,
                                                        const mcns::v1::WatchRequest* request) override;

  // Checks every open stream's caller again now (SIGHUP), without waiting.
  void recheck();

 private:
  struct OpenStream {
    std::string authorization;  // the secret: kept in memory only, never logged
    std::string name;           // account@frontend, for the log
    std::weak_ptr<feed::Watcher> watcher;
  };
  void register_stream(std::shared_ptr<OpenStream> stream);
  void recheck_loop();
  void recheck_all();

  feed::ChangeFeed& feed_;
  domain::ZoneService& zones_;
  Authenticate authenticate_;
  const std::chrono::milliseconds recheck_interval_;

  std::mutex mu_;  // guards the members below
  std::condition_variable cv_;
  std::vector<std::weak_ptr<OpenStream>> streams_;
  bool recheck_now_ = false;
  bool stopping_ = false;
  std::thread recheck_thread_;
};

}  // namespace mcns::control::sync
