#include "services/control/sync/change_stream.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

#include "common/base/log.h"
#include "common/grpcutil/grpcutil.h"

namespace mcns::control::sync {
namespace {

using mcns::v1::ChangeEvent;

std::string_view zone_of(const mcns::v1::ChangeOp& op) {
  switch (op.op_case()) {
    case mcns::v1::ChangeOp::kZoneUpsert: return op.zone_upsert().name();
    case mcns::v1::ChangeOp::kZoneDelete: return op.zone_delete();
    case mcns::v1::ChangeOp::kRecordAdd: return op.record_add().zone();
    case mcns::v1::ChangeOp::kRecordRemove: return op.record_remove().zone();
    default: return {};
  }
}

class Refused final : public grpc::ServerWriteReactor<ChangeEvent> {
 public:
  explicit Refused(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

// Writes the opening event first, then subscribes after the version it announced, so no
// change committed in between is lost.
class ChangeStreamReactor final : public grpc::ServerWriteReactor<ChangeEvent> {
 public:
  ChangeStreamReactor(feed::ChangeFeed& feed, grpc::CallbackServerContext* context, std::string zone,
                      std::string name)
      : feed_(feed), context_(context), zone_(std::move(zone)), name_(std::move(name)), start_(feed.latest()) {
    log::info("watch_changes: opened by ", name_, " for ", zone_.empty() ? std::string("every zone") : zone_,
              " after version ", start_);
    out_.set_version(start_);
    StartWrite(&out_);
  }

  void OnWriteDone(bool ok) override {
    std::shared_ptr<feed::Watcher> watcher;
    {
      std::lock_guard lock(mu_);
      if (!watcher_) {  // the opening event
        if (!ok || cancelled_) return finish_once(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
        // The Watcher calls back under its own lock, never under mu_'s holders' feet:
        // send only writes, finish only finishes.
        watcher_ = feed_.subscribe(
            start_, std::nullopt, name_,
            [this](const mcns::v1::WatchEvent* event) {
              out_ = to_change_event(*event, zone_);
              StartWrite(&out_);
            },
            [this](const Status& status) { finish_once(grpcutil::to_grpc(status)); },
            [context = context_] { context->TryCancel(); });
        return;
      }
      watcher = watcher_;
    }
    watcher->on_write_done(ok);
  }

  void OnCancel() override {
    std::shared_ptr<feed::Watcher> watcher;
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
      watcher = watcher_;
    }
    if (watcher) watcher->cancel();
  }

  void OnDone() override {
    std::shared_ptr<feed::Watcher> watcher;
    {
      std::lock_guard lock(mu_);
      watcher = watcher_;
    }
    if (watcher) feed_.unsubscribe(watcher);
    log::info("watch_changes: closed for ", name_);
    delete this;
  }

 private:
  void finish_once(const grpc::Status& status) {
    bool expected = false;
    if (finished_.compare_exchange_strong(expected, true)) Finish(status);
  }

  feed::ChangeFeed& feed_;
  grpc::CallbackServerContext* const context_;
  const std::string zone_;
  const std::string name_;
  const std::uint64_t start_;
  ChangeEvent out_;  // the one write in flight
  std::atomic<bool> finished_{false};
  std::mutex mu_;  // guards the members below
  std::shared_ptr<feed::Watcher> watcher_;
  bool cancelled_ = false;
};

}  // namespace

ChangeEvent to_change_event(const mcns::v1::WatchEvent& event, std::string_view zone) {
  ChangeEvent out;
  out.set_version(event.version());
  if (!event.has_change()) return out;
  std::optional<std::string_view> only_zone;
  bool several = false;
  for (const auto& op : event.change().ops()) {
    std::string_view z = zone_of(op);
    if (!zone.empty() && z != zone) continue;
    *out.add_ops() = op;
    if (!only_zone) only_zone = z;
    else if (*only_zone != z) several = true;
  }
  if (only_zone && !several) out.set_zone(std::string(*only_zone));
  return out;
}

grpc::ServerWriteReactor<ChangeEvent>* open_change_stream(feed::ChangeFeed& feed,
                                                          grpc::CallbackServerContext* context, std::string zone,
                                                          std::string name) {
  return new ChangeStreamReactor(feed, context, std::move(zone), std::move(name));
}

grpc::ServerWriteReactor<ChangeEvent>* refused_change_stream(const Status& status) {
  return new Refused(grpcutil::to_grpc(status));
}

}  // namespace mcns::control::sync
