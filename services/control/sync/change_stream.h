#pragma once
// ZoneService.WatchChanges: committed changes streamed to operators (mcnsctl watch).
// Unlike SyncService.Watch (frontends, [sync] allowed_accounts) it is open to any reader
// the domain lets list zones, starts at the feed's latest version (only NEW changes; no
// snapshot, no resume), and can be narrowed to one zone.
//
// The stream rides the same ChangeFeed as the frontends: one Watcher per stream pulling
// from the shared ring, one write in flight. The first message is sent at once and
// carries the version the stream starts after (no ops): a client knows the stream is open
// when it arrives. Events the filter leaves empty (heartbeats, changes to other zones, a
// snapshot chunk if the stream ever fell behind) are sent as progress events without ops.
// The caller is authenticated and authorized by the transport (grpc/services.cpp) before
// open_change_stream() is called.
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "common/base/status.h"
#include "mcns/v1/sync.pb.h"
#include "mcns/v1/zone.pb.h"
#include "services/control/feed/change_feed.h"

namespace mcns::control::sync {

// The reactor of one stream; `zone` is a canonical zone name, or empty for every zone.
// `name` names the stream in the log. The feed must outlive the stream (ChangeFeed::stop
// ends it with UNAVAILABLE).
grpc::ServerWriteReactor<mcns::v1::ChangeEvent>* open_change_stream(feed::ChangeFeed& feed,
                                                                    grpc::CallbackServerContext* context,
                                                                    std::string zone, std::string name);

// A stream refused before it starts (its status is sent at once).
grpc::ServerWriteReactor<mcns::v1::ChangeEvent>* refused_change_stream(const Status& status);

// One feed event as the operators' stream sends it: the ops of `zone` ("" every zone)
// of a change, nothing for heartbeats and snapshot chunks.
mcns::v1::ChangeEvent to_change_event(const mcns::v1::WatchEvent& event, std::string_view zone);

}  // namespace mcns::control::sync
