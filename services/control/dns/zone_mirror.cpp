#include "services/control/dns/zone_mirror.h"

#include <set>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "services/dns-frontend/watch/change_applier.h"

namespace mcns::control::dns {

ZoneMirror::ZoneMirror(feed::ChangeFeed& feed, OnSerialChange on_serial_change)
    : feed_(feed), on_serial_change_(std::move(on_serial_change)), catalog_(holder_, /*wait_for_control=*/true) {}

ZoneMirror::~ZoneMirror() { stop(); }

void ZoneMirror::start() {
  thread_ = std::thread([this] { run(); });
}

void ZoneMirror::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (watcher_) {
    feed_.unsubscribe(watcher_);
    watcher_.reset();
  }
}

bool ZoneMirror::next(feed::EventPtr& event) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stopping_ || finished_ || !events_.empty(); });
  if (events_.empty()) return false;
  event = std::move(events_.front());
  events_.pop_front();
  return true;
}

// The write "completed": the watcher may send the next event. Never called under the
// watcher's own lock (it is called from this thread, after applying).
void ZoneMirror::acknowledge() { watcher_->on_write_done(true); }

void ZoneMirror::run() {
  bool want_snapshot = false;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      finished_ = false;
    }
    // (Re)subscribe after the version already applied; the feed decides between changes
    // and a snapshot, as for any frontend.
    if (watcher_) feed_.unsubscribe(watcher_);
    watcher_ = feed_.subscribe(
        catalog_.ready() && !want_snapshot ? catalog_.version() : 0, std::nullopt, "dns-listener@mcns-control",
        [this](const mcns::v1::WatchEvent* event) {
          // Called with the watcher's lock held: queue only. The watcher keeps the event
          // alive until on_write_done, and so the raw pointer is wrapped without owning.
          std::lock_guard lock(mu_);
          events_.push_back(feed::EventPtr(feed::EventPtr{}, event));
          cv_.notify_all();
        },
        [this](const Status&) {
          std::lock_guard lock(mu_);
          finished_ = true;
          cv_.notify_all();
        });
    want_snapshot = false;
    feed::EventPtr event;
    while (next(event)) {
      Status s;
      std::vector<std::string> moved;
      // The event lives only until it is acknowledged: keep what is needed after that.
      const std::uint64_t version = event->version();
      if (event->has_snapshot()) {
        s = catalog_.replace_control_zones(version, [&](frontend::zonesrc::ControlZoneEditor& editor) -> Status {
          while (true) {
            for (const auto& data : event->snapshot().zones())
              MCNS_RETURN_IF_ERROR(frontend::watch::add_zone_data(editor, data));
            bool last = event->snapshot().last();
            acknowledge();
            if (last) return ok_status();
            if (!next(event)) return aborted("stopping");
            if (!event->has_snapshot()) return aborted("snapshot chunk out of order");
          }
        });
      } else if (event->has_change()) {
        const mcns::v1::Change change = event->change();
        acknowledge();
        s = catalog_.apply_control_change(version, [&](frontend::zonesrc::ControlZoneEditor& editor) {
          return frontend::watch::apply_change(editor, change, [](const std::string&) { return false; });
        });
        std::set<std::string> zones;
        for (const auto& op : change.ops())
          if (op.has_zone_upsert()) zones.insert(op.zone_upsert().name());
        moved.assign(zones.begin(), zones.end());
      } else {
        acknowledge();  // heartbeat
      }
      if (!s.ok()) {
        log::error("dns listener: cannot apply version ", version, ": ", s.message(),
                   "; starting over from a snapshot");
        want_snapshot = true;
        break;
      }
      if (!moved.empty() && on_serial_change_) on_serial_change_(moved);
    }
    std::unique_lock lock(mu_);
    if (stopping_) return;
    events_.clear();
    // Finished by the feed (it wants a fresh start) or an apply error: resubscribe soon.
    cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; });
  }
}

}  // namespace mcns::control::dns
