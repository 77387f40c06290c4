#include "services/control/feed/snapshot_events.h"

#include "services/control/store/sync_mapping.h"

#include <algorithm>

namespace mcns::control::feed {

void SnapshotEvents::append(EventPtr event, std::size_t records) {
  std::lock_guard lock(mu_);
  complete_ = event->snapshot().last();
  events_.push_back(std::move(event));
  records_ += records;
}

void SnapshotEvents::fail(Status status) {
  std::lock_guard lock(mu_);
  failure_ = std::move(status);
}

EventPtr SnapshotEvents::at(std::size_t index) const {
  std::lock_guard lock(mu_);
  return index < events_.size() ? events_[index] : nullptr;
}

Status SnapshotEvents::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

std::size_t SnapshotEvents::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

std::size_t SnapshotEvents::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

bool SnapshotEvents::complete() const {
  std::lock_guard lock(mu_);
  return complete_;
}

namespace {

// Cuts a stream of zones and records into snapshot chunk messages of at most
// `chunk_records` records; a zone that spans chunks repeats its header in each. Each
// chunk is appended to `out` as soon as it is full, so it can be sent while later ones
// are still being read. The first chunk carries the total (a sizing hint).
class SnapshotChunker {
 public:
  SnapshotChunker(std::shared_ptr<SnapshotEvents> out, std::size_t chunk_records, std::uint64_t total_records,
                  std::function<void()> on_chunk)
      : out_(std::move(out)), chunk_records_(std::max<std::size_t>(chunk_records, 1)), on_chunk_(std::move(on_chunk)) {
    open_chunk();
    chunk_->mutable_snapshot()->set_total_records(total_records);
  }

  void zone(const domain::Zone& zone) {
    header_ = store::to_sync_zone(zone);
    data_ = chunk_->mutable_snapshot()->add_zones();
    *data_->mutable_zone() = header_;
  }

  mcns::v1::SyncRecord* record() {
    if (in_chunk_ == chunk_records_) {
      flush(false);
      open_chunk();
      data_ = chunk_->mutable_snapshot()->add_zones();
      *data_->mutable_zone() = header_;
    }
    ++in_chunk_;
    return data_->add_records();
  }

  void finish() { flush(true); }

 private:
  void open_chunk() {
    chunk_ = std::make_shared<mcns::v1::WatchEvent>();
    chunk_->set_version(out_->version());
    chunk_->set_chain(out_->chain());
    chunk_->mutable_snapshot()->set_first(first_);
    first_ = false;
    in_chunk_ = 0;
  }
  void flush(bool last) {
    chunk_->mutable_snapshot()->set_last(last);
    out_->append(std::move(chunk_), in_chunk_);
    if (on_chunk_) on_chunk_();
  }

  std::shared_ptr<SnapshotEvents> out_;
  const std::size_t chunk_records_;
  std::function<void()> on_chunk_;
  std::shared_ptr<mcns::v1::WatchEvent> chunk_;
  mcns::v1::ZoneData* data_ = nullptr;
  mcns::v1::SyncZone header_;
  std::size_t in_chunk_ = 0;
  bool first_ = true;
};

}  // namespace

StatusOr<std::shared_ptr<SnapshotEvents>> read_snapshot_events(
    FeedStore& store, std::size_t chunk_records,
    const std::function<void(const std::shared_ptr<SnapshotEvents>&)>& on_start, const std::function<void()>& on_chunk,
    std::uint64_t size_hint) {
  std::uint64_t version = 0, chain = 0;
  std::shared_ptr<SnapshotEvents> out;
  std::unique_ptr<SnapshotChunker> chunker;
  // The version is read inside the transaction, before the first zone.
  auto chunker_for = [&]() -> SnapshotChunker& {
    if (!chunker) {
      out = std::make_shared<SnapshotEvents>(version, chain);
      if (on_start) on_start(out);
      chunker = std::make_unique<SnapshotChunker>(out, chunk_records, size_hint, on_chunk);
    }
    return *chunker;
  };
  Status s = store.stream_snapshot(
      version, chain,
      [&](const domain::Zone& zone) {
        chunker_for().zone(zone);
        return ok_status();
      },
      [&](const store::RecordView& r) {
        mcns::v1::SyncRecord* rec = chunker_for().record();
        rec->set_id(r.id);
        rec->set_name(r.name.data(), r.name.size());
        rec->set_type(r.type.data(), r.type.size());
        rec->set_value(r.value.data(), r.value.size());
        rec->set_ttl(r.ttl);
        return ok_status();
      });
  if (!s.ok()) {
    if (out) out->fail(s);
    return s;
  }
  chunker_for().finish();
  return out;
}

}  // namespace mcns::control::feed
