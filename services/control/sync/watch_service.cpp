#include "services/control/sync/watch_service.h"

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/grpcutil/grpcutil.h"
#include "services/control/feed/fleet.h"

namespace mcns::control::sync {
namespace {

// A stream refused before it starts.
class Refused final : public grpc::ServerWriteReactor<mcns::v1::WatchEvent> {
 public:
  explicit Refused(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

class WatchReactor final : public grpc::ServerWriteReactor<mcns::v1::WatchEvent> {
 public:
  WatchReactor(feed::ChangeFeed& feed, grpc::CallbackServerContext* context, std::uint64_t after,
               std::optional<std::uint64_t> after_chain, std::string name, std::shared_ptr<void> keep_alive)
      : feed_(feed), keep_alive_(std::move(keep_alive)) {
    watcher_ = feed_.subscribe(
        after, after_chain, std::move(name), [this](const mcns::v1::WatchEvent* event) { StartWrite(event); },
        [this](const Status& status) { Finish(grpcutil::to_grpc(status)); }, [context] { context->TryCancel(); });
  }
  std::shared_ptr<feed::Watcher> watcher() const { return watcher_; }

  void OnWriteDone(bool ok) override { watcher_->on_write_done(ok); }
  void OnCancel() override { watcher_->cancel(); }
  void OnDone() override {
    feed_.unsubscribe(watcher_);
    delete this;
  }

 private:
  feed::ChangeFeed& feed_;
  std::shared_ptr<feed::Watcher> watcher_;
  std::shared_ptr<void> keep_alive_;  // the stream's entry in the recheck list
};

}  // namespace

WatchService::WatchService(feed::ChangeFeed& feed, domain::ZoneService& zones, Authenticate authenticate,
                           std::chrono::milliseconds recheck_interval)
    : feed_(feed), zones_(zones), authenticate_(std::move(authenticate)), recheck_interval_(recheck_interval) {
  recheck_thread_ = std::thread([this] { recheck_loop(); });
}

WatchService::~WatchService() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (recheck_thread_.joinable()) recheck_thread_.join();
}

grpc::ServerWriteReactor<mcns::v1::WatchEvent>* WatchService::Watch(grpc::CallbackServerContext* context,
                                                                    const mcns::v1::WatchRequest* request) {
  // One authorization value: with several, which one names the caller would depend on
  // who reads the metadata (SPEC 16).
  const auto& md = context->client_metadata();
  auto range = md.equal_range("authorization");
  if (std::distance(range.first, range.second) > 1) {
    log::warn("watch: refused from ", context->peer(), ": several authorization values");
    return new Refused(grpcutil::to_grpc(unauthenticated("several authorization values")));
  }
  std::string authorization =
      range.first == range.second ? std::string() : std::string(range.first->second.data(), range.first->second.size());
  auto who = authenticate_(authorization);
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
  auto stream = std::make_shared<OpenStream>(OpenStream{std::move(authorization), name, {}});
  // The fleet (SPEC 14) lists the stream until its reactor is gone.
  std::shared_ptr<void> keep_alive = std::make_shared<std::pair<std::shared_ptr<void>, std::shared_ptr<void>>>(
      stream, feed::note_watch_stream(context->peer(), request->frontend()));
  auto* reactor = new WatchReactor(feed_, context, request->after_version(), after_chain, std::move(name),
                                   std::move(keep_alive));
  stream->watcher = reactor->watcher();
  register_stream(std::move(stream));
  return reactor;
}

void WatchService::register_stream(std::shared_ptr<OpenStream> stream) {
  std::lock_guard lock(mu_);
  std::erase_if(streams_, [](const std::weak_ptr<OpenStream>& s) { return s.expired(); });
  streams_.push_back(std::move(stream));
}

void WatchService::recheck() {
  {
    std::lock_guard lock(mu_);
    recheck_now_ = true;
  }
  cv_.notify_all();
}

void WatchService::recheck_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, recheck_interval_, [this] { return stopping_ || recheck_now_; });
    if (stopping_) break;
    recheck_now_ = false;
    lock.unlock();
    recheck_all();
    lock.lock();
  }
}

void WatchService::recheck_all() {
  std::vector<std::shared_ptr<OpenStream>> open;
  {
    std::lock_guard lock(mu_);
    for (auto& s : streams_)
      if (auto p = s.lock()) open.push_back(std::move(p));
  }
  for (const auto& stream : open) {
    auto watcher = stream->watcher.lock();
    if (!watcher) continue;
    Status verdict;
    if (auto who = authenticate_(stream->authorization); !who.ok()) {
      verdict = who.status();
    } else {
      verdict = zones_.authorize_watch(*who);
    }
    // The identity provider could not be asked: that says nothing about the token.
    if (verdict.ok() || verdict.code() == StatusCode::kUnavailable) continue;
    log::warn("watch: ending the stream of ", stream->name, ": ", verdict.to_string(),
              " (its token is no longer valid or no longer allowed to watch)");
    watcher->end(verdict);
  }
}

}  // namespace mcns::control::sync
