#pragma once
// Turns the control plane's sync messages (proto/mcns/v1/sync.proto) into zone-builder
// calls. Pure functions: the watch client decides when to build and publish.
#include <set>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/zone/zone_set_builder.h"
#include "mcns/v1/sync.pb.h"

namespace mcns::frontend::watch {

// Zones the frontend serves from its own zone files; the control may not also serve
// them (SPEC section 4). Canonical names (lower case, no trailing dot).
using ReservedZones = std::set<std::string>;

// The SOA of a control-fed zone. Its TTL is the zone's minimum TTL
// (ARCHITECTURE.md Decision 2).
zone::SoaParams soa_from(const mcns::v1::SyncZone& zone);

// Adds one zone (or the part of it a snapshot chunk carries) to `builder`.
// FAILED_PRECONDITION when the zone is reserved; INVALID_ARGUMENT for a record the
// frontend cannot serve (unknown type, bad value).
Status add_zone_data(zone::ZoneSetBuilder& builder, const mcns::v1::ZoneData& data,
                     const ReservedZones& reserved);

// Applies every op of one committed change, in order. Ops on reserved zones are skipped
// and their zone names appended to `skipped` (the caller logs them): one misconfigured
// zone must not stop every later change. On error the builder may hold part of the
// change: the caller discards it (and resyncs).
Status apply_change(zone::ZoneSetBuilder& builder, const mcns::v1::Change& change,
                    const ReservedZones& reserved, std::vector<std::string>* skipped = nullptr);

}  // namespace mcns::frontend::watch
