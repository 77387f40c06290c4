#pragma once
// A full snapshot as the watch stream sends it: chunk messages of at most N records,
// built straight from the store (Decision 21: no intermediate copy of every record) and
// shared by every watcher that needs it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/base/status.h"
#include "mcns/v1/sync.pb.h"
#include "services/control/feed/feed_store.h"
#include "services/control/store/store.h"

namespace mcns::control::feed {

using EventPtr = std::shared_ptr<const mcns::v1::WatchEvent>;

// The messages of one snapshot. It grows while the feed reads it from the store:
// watchers send the chunks already there while later ones are still being read, so the
// frontend builds while the control reads. Thread-safe.
class SnapshotEvents {
 public:
  SnapshotEvents(std::uint64_t version, std::uint64_t chain) : version_(version), chain_(chain) {}
  std::uint64_t version() const noexcept { return version_; }
  std::uint64_t chain() const noexcept { return chain_; }

  // Producer (the feed thread).
  void append(EventPtr event, std::size_t records);
  void fail(Status status);

  // Chunk `index`, or null when it is not there yet (see failure()).
  EventPtr at(std::size_t index) const;
  // Not OK when the reading failed: no more chunks will come.
  Status failure() const;
  std::size_t size() const;
  std::size_t records() const;
  bool complete() const;  // the last chunk is in

 private:
  const std::uint64_t version_;
  const std::uint64_t chain_;
  mutable std::mutex mu_;  // guards the members below
  std::vector<EventPtr> events_;
  std::size_t records_ = 0;
  bool complete_ = false;
  Status failure_;
};

// The store's zones and records, streamed from it in one read transaction, as chunk
// messages of at most `chunk_records` records: what the feed sends. A zone that spans
// chunks repeats its header in each, and the first chunk carries the total.
// `on_start` gets the (still empty) result as soon as its version is known, `on_chunk`
// runs after each chunk is appended. `size_hint` is the first chunk's total: the store
// cannot count the records before streaming them, and the previous snapshot's record
// count is a good estimate. Blocks on SQLite: the feed thread only.
StatusOr<std::shared_ptr<SnapshotEvents>> read_snapshot_events(
    FeedStore& store, std::size_t chunk_records,
    const std::function<void(const std::shared_ptr<SnapshotEvents>&)>& on_start = {},
    const std::function<void()>& on_chunk = {}, std::uint64_t size_hint = 0);

}  // namespace mcns::control::feed
