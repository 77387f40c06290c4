#pragma once
// Everything behind [dns] of mcns-control, started and stopped as one: the zone mirror,
// the responder and its keys, the listener and the NOTIFY sender. Absent [dns] listen and
// no secondary to notify: nothing is started.
#include <memory>
#include <string>

#include "common/base/status.h"
#include "common/config/config.h"
#include "common/metrics/metrics.h"
#include "services/control/feed/change_feed.h"
#include "services/control/store/store.h"

namespace mcns::control::dns {

class DnsService {
 public:
  // nullptr when the configuration asks for no DNS at all.
  static StatusOr<std::unique_ptr<DnsService>> start(const config::ControlConfig& config, store::Store& store,
                                                     feed::ChangeFeed& feed, metrics::Registry& registry);
  ~DnsService();
  // SIGHUP: reads the [[tsig]] keys of the configuration file again; on failure the old
  // keys stay.
  Status reload_keys(const std::string& config_path);
  // Stops the listener, the mirror and the NOTIFY sender (before the feed stops).
  void stop();
  // The listener's addresses, for the start-up line ("off" when none).
  std::string addresses() const;

  struct Parts;

 private:
  explicit DnsService(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace mcns::control::dns
