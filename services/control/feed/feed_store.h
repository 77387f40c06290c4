#pragma once
// What the change feed reads from (and compacts in) the store: the whole of its database
// access, behind one narrow interface.
//
// NOTE: every call may block on SQLite (a busy writer, a cold page cache), so the feed
// makes them on its own thread only — never on a gRPC reactor's thread, which must not
// block. StoreFeedStore is the production implementation; tests wrap it to
// check which thread reads.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "common/base/status.h"
#include "services/control/domain/model.h"
#include "services/control/store/store.h"

namespace mcns::control::feed {

class FeedStore {
 public:
  virtual ~FeedStore() = default;

  // As store::Store's functions of the same names.
  virtual StatusOr<std::uint64_t> latest_version() = 0;
  virtual StatusOr<std::uint64_t> oldest_version() = 0;
  virtual StatusOr<std::optional<std::uint64_t>> chain_at(std::uint64_t version) = 0;
  virtual StatusOr<std::vector<store::VersionedChange>> changes_after(std::uint64_t version, std::size_t limit) = 0;
  virtual Status stream_snapshot(std::uint64_t& version, std::uint64_t& chain,
                                 const std::function<Status(const domain::Zone&)>& on_zone,
                                 const std::function<Status(const store::RecordView&)>& on_record) = 0;
  virtual StatusOr<std::size_t> compact_change_log(std::size_t keep_last_n) = 0;
  virtual StatusOr<std::size_t> prune_history(domain::Timestamp before) = 0;
};

// The feed's view of the real store. Not owning.
class StoreFeedStore final : public FeedStore {
 public:
  explicit StoreFeedStore(store::Store& store) : store_(store) {}

  StatusOr<std::uint64_t> latest_version() override { return store_.latest_version(); }
  StatusOr<std::uint64_t> oldest_version() override { return store_.oldest_version(); }
  StatusOr<std::optional<std::uint64_t>> chain_at(std::uint64_t version) override { return store_.chain_at(version); }
  StatusOr<std::vector<store::VersionedChange>> changes_after(std::uint64_t version, std::size_t limit) override {
    return store_.changes_after(version, limit);
  }
  Status stream_snapshot(std::uint64_t& version, std::uint64_t& chain,
                         const std::function<Status(const domain::Zone&)>& on_zone,
                         const std::function<Status(const store::RecordView&)>& on_record) override {
    return store_.stream_snapshot(version, chain, on_zone, on_record);
  }
  StatusOr<std::size_t> compact_change_log(std::size_t keep_last_n) override {
    return store_.compact_change_log(keep_last_n);
  }
  StatusOr<std::size_t> prune_history(domain::Timestamp before) override { return store_.prune_history(before); }

 private:
  store::Store& store_;
};

}  // namespace mcns::control::feed
