#pragma once
// NOTIFY (RFC 1996) to secondaries after every committed serial change (SPEC 13):
// [dns] notify addresses (all zones, signed with [dns] notify_key when set) and each
// [[notify]] secondary (its own key and zones: a public secondary is never told about
// internal zones). One NOTIFY in flight per zone and secondary: changes that arrive
// meanwhile are coalesced into one more NOTIFY after the answer. Unanswered NOTIFYs are
// retried after 1, 2, 4, 8 s, then given up (the secondary's refresh timer still works).
// The answer to a signed NOTIFY counts only when its TSIG verifies against the request's
// MAC (RFC 8945 5.3.2: an unsigned or badly signed answer is discarded): otherwise anyone
// who can guess the ID and port could stop the retries to a secondary that never heard.
// Metrics: mcns_notify_total{result="ok|retry|failed"}.
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/config/config.h"
#include "common/metrics/metrics.h"
#include "common/tsig/tsig.h"
#include "services/control/dns/tsig_keys.h"

namespace mcns::control::dns {

struct NotifyTarget {
  std::string address;  // "ip:port", for logs
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string key;                 // canonical key name; empty: unsigned
  std::vector<std::string> zones;  // canonical names, or "*"
  bool covers(const std::string& zone) const;
};

// The targets of [dns] notify / notify_key and [[notify]].
StatusOr<std::vector<NotifyTarget>> notify_targets(const config::ControlConfig& config);

class Notifier {
 public:
  using Keys = std::function<std::shared_ptr<const KeySet>()>;

  Notifier(std::vector<NotifyTarget> targets, Keys keys, metrics::Registry& registry);
  ~Notifier();  // stop()
  Status start();
  void stop();

  // The zones whose serial a committed change moved.
  void zones_changed(const std::vector<std::string>& zones);

 private:
  struct Pending {
    bool dirty = true;         // a change not yet announced
    bool in_flight = false;
    std::uint16_t id = 0;
    int attempts = 0;
    std::chrono::steady_clock::time_point next{};
    std::optional<tsig::Key> key;     // the key the NOTIFY in flight was signed with
    std::vector<std::uint8_t> mac;    // and its MAC, which the answer's TSIG covers
  };
  struct Answer {
    std::uint16_t id;
    sockaddr_storage from;
    std::vector<std::uint8_t> msg;
  };
  void run();
  void send(const std::string& zone, std::size_t target, Pending& p);

  std::vector<NotifyTarget> targets_;
  Keys keys_;
  metrics::Counter& ok_;
  metrics::Counter& retry_;
  metrics::Counter& failed_;
  int fd4_ = -1, fd6_ = -1;

  std::mutex mu_;  // guards the members below
  std::condition_variable cv_;
  std::map<std::pair<std::string, std::size_t>, Pending> pending_;
  bool stopping_ = false;
  bool wake_ = false;  // zones_changed() since the loop last looked
  std::thread thread_;
};

}  // namespace mcns::control::dns
