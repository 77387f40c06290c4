#pragma once
// The full build of one zone: every shard encoded from the draft's base content (if
// any) plus its pending operations. Used for new zones, bulk loads and changes too big
// for an incremental build (incremental_build.h). Records are bucketed by shard (one
// counting-sort pass) and sorted within each bucket, which keeps the sorts small and
// cache-friendly for million-record loads.
#include "common/zone/zone.h"
#include "common/zone/zone_draft.h"

namespace mcns::zone {

// The content of the next version of `draft`'s zone: for each (owner, type, rdata) the
// last operation decides; the apex and every empty non-terminal get a node.
ZoneContent build_full(const ZoneDraft& draft);

}  // namespace mcns::zone
