#pragma once
// What mcns-control's DNS listener answers (SPEC 13), one request at a time:
//   - clients outside [dns] allow: REFUSED;
//   - TSIG: an unknown key or bad MAC is NOTAUTH with an unsigned TSIG error (BADKEY,
//     BADSIG), a time outside the fudge NOTAUTH/BADTIME signed; a valid signature gets a
//     signed answer;
//   - QUERY: answered by the frontend's answer logic from the control's committed zones
//     (no forwarding: names outside every zone are REFUSED);
//   - AXFR/IXFR: need a TSIG key with `transfer` covering the zone, else REFUSED; over
//     UDP an IXFR gets the SOA alone (the client retries over TCP), an AXFR NOTIMP;
//   - UPDATE (RFC 2136): handed to UpdateHandler (update.h), answered with its rcode;
//   - other opcodes: NOTIMP.
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "common/metrics/metrics.h"
#include "common/zone/snapshot_holder.h"
#include "services/control/dns/tsig_keys.h"
#include "services/control/dns/transfer.h"
#include "services/control/dns/update.h"
#include "services/control/store/store.h"
#include "services/dns-frontend/forward/allow_list.h"

namespace mcns::control::dns {

class Responder {
 public:
  Responder(store::Store& store, const zone::SnapshotHolder& zones, frontend::forward::AllowList allow,
            metrics::Registry& registry, UpdateHandler* updates = nullptr);

  // SIGHUP: the new key set replaces the old one for every later request.
  void set_keys(std::shared_ptr<const KeySet> keys);
  std::shared_ptr<const KeySet> keys() const;

  // Answers `request` from `peer`. Over UDP at most one message is emitted; over TCP a
  // transfer emits many (returning false from `emit` stops it).
  void answer(std::span<const std::uint8_t> request, const sockaddr* peer, bool tcp, const Emit& emit);

 private:
  store::Store& store_;
  const zone::SnapshotHolder& zones_;
  const frontend::forward::AllowList allow_;
  mutable std::mutex keys_mu_;
  std::shared_ptr<const KeySet> keys_;  // guarded by keys_mu_
  metrics::Registry& registry_;
  UpdateHandler* const updates_;  // null: UPDATE is NOTIMP
};

}  // namespace mcns::control::dns
