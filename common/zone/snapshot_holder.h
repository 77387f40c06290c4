#pragma once
// Publication of immutable ZoneSet snapshots to the DNS worker threads (STYLE.md 3.4,
// ARCHITECTURE.md Decision 10; the pattern of dnsdist's GlobalStateHolder).
//
//   writer (watch client / zone-file loader):   holder.publish(builder.build().value());
//   each worker thread:                         LocalSnapshot snap(holder);
//                                               const ZoneSet& zs = snap.get();  // per query
//
// A worker pays one atomic load per query while nothing changes; it copies the
// shared_ptr (under a short mutex) only when the generation moved. Old snapshots are
// freed on the publishing thread (publish() / sweep()), never on a worker, so a big
// free never lands inside a query.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "common/zone/zone_set.h"

namespace mcns::zone {

class SnapshotHolder {
 public:
  // Starts with an empty ZoneSet that is NOT ready: every query is REFUSED until the
  // first publish() of a built set (SPEC section 8).
  SnapshotHolder();
  SnapshotHolder(const SnapshotHolder&) = delete;
  SnapshotHolder& operator=(const SnapshotHolder&) = delete;

  // Makes `next` the current snapshot. Any thread; serialised internally. A null
  // pointer is ignored. Frees retired snapshots that no worker holds any more.
  void publish(ZoneSetPtr next);
  // The current snapshot (takes the mutex: not for the per-query path; use LocalSnapshot).
  ZoneSetPtr load() const;
  // Frees retired snapshots no worker still holds. Call from a timer on a non-worker
  // thread (e.g. every second) so the last retired snapshot does not linger.
  void sweep();
  // Increases on every publish; workers compare it with what they last saw.
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mu_;
  ZoneSetPtr current_;                // guarded by mu_; never null
  std::vector<ZoneSetPtr> retired_;   // guarded by mu_; deferred reclamation
  std::atomic<std::uint64_t> generation_{1};
};

// One per worker thread (not thread-safe itself). Holds its own reference to the
// snapshot, so get() costs one atomic load when nothing changed.
class LocalSnapshot {
 public:
  explicit LocalSnapshot(const SnapshotHolder& holder) : holder_(&holder) {}
  // The newest published snapshot. Never allocates; copies a shared_ptr only when a
  // new generation was published. The reference stays valid until the next get()
  // on this object (or its destruction).
  const ZoneSet& get() noexcept {
    std::uint64_t g = holder_->generation();
    if (g != seen_) refresh(g);
    return *snap_;
  }
  // Drops this thread's reference (e.g. when the worker stops).
  void reset() noexcept { snap_.reset(); seen_ = 0; }

 private:
  void refresh(std::uint64_t generation) noexcept;

  const SnapshotHolder* holder_;
  ZoneSetPtr snap_;
  std::uint64_t seen_ = 0;
};

}  // namespace mcns::zone
