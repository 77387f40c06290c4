#pragma once
// The one RFC 3339 formatter (UTC, second precision): API JSON, the store's timestamps,
// the fleet view and MCIAS answers all print time this way.
#include <chrono>
#include <string>

namespace mcns {

// 2026-11-29T09:10:34Z
std::string format_rfc3339(std::chrono::sys_seconds t);

}  // namespace mcns
