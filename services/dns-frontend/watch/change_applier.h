#pragma once
// Turns the control plane's sync messages (proto/mcns/v1/sync.proto) into edits of the
// control-fed zones (zonesrc::ControlZoneEditor). Pure functions: the watch client
// decides when to apply and publish.
#include <functional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/zone/zone_set_builder.h"
#include "mcns/v1/sync.pb.h"
#include "services/dns-frontend/zonesrc/zone_catalog.h"

namespace mcns::frontend::watch {

// Is this zone (canonical name) served from one of the frontend's zone files?
using IsFileZone = std::function<bool(const std::string& zone)>;

// The SOA of a control-fed zone. Its TTL is the zone's minimum TTL
// (ARCHITECTURE.md Decision 2).
zone::SoaParams soa_from(const mcns::v1::SyncZone& zone);

// Adds one zone (or the part of it a snapshot chunk carries). INVALID_ARGUMENT for a
// record the frontend cannot serve (unknown type, bad value); the editor's own errors
// for a zone served from a file.
Status add_zone_data(zonesrc::ControlZoneEditor& editor, const mcns::v1::ZoneData& data);

// Applies every op of one committed change, in order. Ops on file zones are skipped and
// their zone names appended to `skipped` (the caller logs them): one misconfigured zone
// must not stop every later change. On error the editor may hold part of the change:
// the catalog discards it.
Status apply_change(zonesrc::ControlZoneEditor& editor, const mcns::v1::Change& change, const IsFileZone& is_file_zone,
                    std::vector<std::string>* skipped = nullptr);

}  // namespace mcns::frontend::watch
