#include "common/zone/snapshot_holder.h"

#include <algorithm>
#include <iterator>

namespace mcns::zone {

SnapshotHolder::SnapshotHolder() : current_(std::make_shared<const ZoneSet>()) {}

void SnapshotHolder::publish(ZoneSetPtr next) {
  if (!next) return;
  {
    std::lock_guard lock(mu_);
    retired_.push_back(std::exchange(current_, std::move(next)));
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  // Freeing a big old snapshot takes a while: never under mu_, which workers take when
  // they pick up the new generation.
  sweep();
}

ZoneSetPtr SnapshotHolder::load() const {
  std::lock_guard lock(mu_);
  return current_;
}

void SnapshotHolder::sweep() {
  std::vector<ZoneSetPtr> dead;
  {
    std::lock_guard lock(mu_);
    auto it = std::partition(retired_.begin(), retired_.end(),
                             [](const ZoneSetPtr& p) { return p.use_count() != 1; });
    dead.assign(std::make_move_iterator(it), std::make_move_iterator(retired_.end()));
    retired_.erase(it, retired_.end());
  }
  // `dead` is destroyed here, outside the lock.
}

void LocalSnapshot::refresh(std::uint64_t generation) noexcept {
  // Copying a shared_ptr does not allocate; the old one is released here, but the
  // holder's retired_ list still owns any snapshot being replaced, so this never
  // frees a ZoneSet on a worker thread.
  snap_ = holder_->load();
  seen_ = generation;
}

}  // namespace mcns::zone
