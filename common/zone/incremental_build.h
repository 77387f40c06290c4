#pragma once
// The incremental build of one zone: the next version shares every shard of the base
// that no operation touches and re-encodes only the touched ones, so one watch change
// costs O(one shard), not O(zone). Counters (records, nodes, delegations and wildcards
// per depth) are kept up to date per operation.
#include <cstddef>

#include "common/zone/zone.h"
#include "common/zone/zone_draft.h"

namespace mcns::zone {

// Whether `ops` pending operations on `base` are cheaper incrementally (about one shard
// decode per op) than by a full build (about one record's work per record), and leave
// the shards at a sane size. False means: use build_full() (full_build.h).
bool incremental_fits(const Zone& base, std::size_t ops);

// The content of the next version: `base` with `draft.ops` applied in order.
ZoneContent build_incremental(const Zone& base, const ZoneDraft& draft);

}  // namespace mcns::zone
