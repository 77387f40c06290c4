#pragma once
// The control's own answering copy of its zones, for its DNS listener (SPEC 13): it
// follows the ChangeFeed in-process exactly as a frontend follows the watch stream, and
// builds the same immutable ZoneSet with the frontend's code (zonesrc::ZoneCatalog and
// watch::apply_change), so the listener answers with the frontend's answer logic from
// committed data only. `on_serial_change` hears the zones whose serial a change moved
// (the NOTIFY sender).
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "common/zone/snapshot_holder.h"
#include "services/control/feed/change_feed.h"
#include "services/dns-frontend/zonesrc/zone_catalog.h"

namespace mcns::control::dns {

class ZoneMirror {
 public:
  using OnSerialChange = std::function<void(const std::vector<std::string>& zones)>;

  ZoneMirror(feed::ChangeFeed& feed, OnSerialChange on_serial_change = {});
  ~ZoneMirror();  // stop()

  void start();
  void stop();

  const zone::SnapshotHolder& holder() const noexcept { return holder_; }
  std::uint64_t version() const noexcept { return catalog_.version(); }
  bool ready() const { return catalog_.ready(); }

 private:
  void run();
  // Takes the next event the watcher sent; false when stopping.
  bool next(feed::EventPtr& event);
  void acknowledge();

  feed::ChangeFeed& feed_;
  OnSerialChange on_serial_change_;
  zone::SnapshotHolder holder_;
  frontend::zonesrc::ZoneCatalog catalog_;
  std::shared_ptr<feed::Watcher> watcher_;

  std::mutex mu_;  // guards the members below
  std::condition_variable cv_;
  std::deque<feed::EventPtr> events_;
  bool stopping_ = false;
  bool finished_ = false;  // the feed ended the watcher (shutdown, or it must resubscribe)
  std::thread thread_;
};

}  // namespace mcns::control::dns
