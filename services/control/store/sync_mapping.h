#pragma once
// The watch stream's forms of zones and records (proto/mcns/v1/sync.proto), built from
// the shared vocabulary of domain/model.h. Used by the domain (the ops of a change-log
// row) and the feed (snapshot chunks); the store itself only keeps the serialised
// changes it is given.
#include "mcns/v1/sync.pb.h"
#include "services/control/domain/model.h"

namespace mcns::control::store {

mcns::v1::SyncZone to_sync_zone(const domain::Zone& zone);
mcns::v1::SyncRecord to_sync_record(const domain::Record& record);

}  // namespace mcns::control::store
