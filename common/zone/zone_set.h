#pragma once
// The immutable in-memory snapshot of every zone a frontend serves.
//
// A ZoneSet is built off the hot path by ZoneSetBuilder (zone_set_builder.h) and then
// never changes; the DNS workers read it through SnapshotHolder/LocalSnapshot. Zones
// are held by shared_ptr<const Zone> and shared between successive ZoneSets, and each
// zone is split into hash shards shared between successive versions of that zone, so
// an update costs O(one shard), not O(zone).
//
// Readiness: a default-constructed ZoneSet (what SnapshotHolder starts with) is NOT
// ready, and the query path answers REFUSED to everything until a ready set is
// published. Every set returned by ZoneSetBuilder::build() is ready, even with zero
// zones (a frontend whose first snapshot is empty serves nothing but is ready).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns_wire/wire.h"

namespace mcns::zone {

class Zone;
using ZonePtr = std::shared_ptr<const Zone>;
class ZoneSet;
using ZoneSetPtr = std::shared_ptr<const ZoneSet>;

// For the mcns_zone_records{zone} metric and logs.
struct ZoneStats {
  std::string name;        // canonical zone name, no trailing dot ("example.com")
  std::uint32_t serial = 0;
  std::uint64_t records = 0;  // resource records including the SOA
  std::uint64_t names = 0;    // owner names including empty non-terminals
};

class ZoneSet {
 public:
  ZoneSet() = default;  // empty and not ready

  bool ready() const noexcept { return ready_; }
  std::size_t zone_count() const noexcept { return zones_.size(); }
  // Zones in canonical-name order.
  const std::vector<ZonePtr>& zones() const noexcept { return zones_; }
  // Exact zone by canonical or presentation name ("Example.COM." finds "example.com");
  // nullptr when absent. Not for the hot path (parses text).
  const Zone* find_zone(std::string_view name) const;
  // One entry per zone, in name order (allocates; for metrics and logs).
  std::vector<ZoneStats> stats() const;

  // Hot path: the zone with the longest name that is `lower` or one of its ancestors
  // (`lower` lower-cased). nullptr when no zone encloses it.
  const Zone* match(const dns_wire::Name& lower) const noexcept;

 private:
  friend class ZoneSetBuilder;
  void index_zones();  // rebuilds the match index from zones_

  bool ready_ = false;
  std::vector<ZonePtr> zones_;
  // Match index: open-addressed table of (name hash, zone index + 1), and a bitmap of
  // the label counts zones have, so match() only hashes suffixes that could be a zone.
  std::vector<std::uint64_t> index_;
  std::uint64_t depth_mask_[2] = {0, 0};
};

}  // namespace mcns::zone
