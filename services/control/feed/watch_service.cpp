#include "services/control/feed/watch_service.h"

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/grpcutil/grpcutil.h"

namespace mcns::control::feed {
namespace {

// A stream refused before it starts.
class Refused final : public grpc::ServerWriteReactor<mcns::v1::WatchEvent> {
 public:
  explicit Refused(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

class WatchReactor final : public grpc::ServerWriteReactor<mcns::v1::WatchEvent> {
 public:
  WatchReactor(ChangeFeed& feed, grpc::CallbackServerContext* context, std::uint64_t after,
               std::optional<std::uint64_t> after_chain, std::string name)
      : feed_(feed), name_(name) {
    watcher_ = feed_.subscribe(
        after, after_chain, std::move(name), [this](const mcns::v1::WatchEvent* event) { StartWrite(event); },
        [this](const Status& status) { Finish(grpcutil::to_grpc(status)); }, [context] { context->TryCancel(); });
  }

  void OnWriteDone(bool ok) override { watcher_->on_write_done(ok); }
  void OnCancel() override { watcher_->cancel(); }
  void OnDone() override {
    feed_.unsubscribe(watcher_);
    delete this;
  }

 private:
  ChangeFeed& feed_;
  std::string name_;
  std::shared_ptr<Watcher> watcher_;
};

}  // namespace

WatchService::WatchService(ChangeFeed& feed, domain::ZoneService& zones, Authenticate authenticate)
    : feed_(feed), zones_(zones), authenticate_(std::move(authenticate)) {}

grpc::ServerWriteReactor<mcns::v1::WatchEvent>* WatchService::Watch(grpc::CallbackServerContext* context,
                                                                    const mcns::v1::WatchRequest* request) {
  auto who = authenticate_(context);
  if (!who.ok()) {
    log::warn("watch: refused from ", context->peer(), ": ", who.status().to_string());
    return new Refused(grpcutil::to_grpc(who.status()));
  }
  if (Status allowed = zones_.authorize_watch(*who); !allowed.ok()) {
    log::warn("watch: refused for ", who->username, " from ", context->peer(), ": ", allowed.to_string());
    return new Refused(grpcutil::to_grpc(allowed));
  }
  std::string name = str_cat(who->username, "@", request->frontend().empty() ? context->peer() : request->frontend());
  log::info("watch: opened by ", name, " (", context->peer(), ") after version ", request->after_version(),
            "; control at version ", feed_.latest());
  std::optional<std::uint64_t> after_chain;
  if (request->has_after_chain()) after_chain = request->after_chain();
  return new WatchReactor(feed_, context, request->after_version(), after_chain, std::move(name));
}

}  // namespace mcns::control::feed
