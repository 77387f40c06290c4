#pragma once
// RFC 3339 timestamps as MCIAS writes them and the REST API returns them. They are
// printed by the one formatter, mcns::format_rfc3339 (common/base/time.h).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mcns::control::auth {
// "2026-11-29T09:10:34Z", "…34.5Z", "…34+02:00" → UTC seconds; nullopt on anything else.
std::optional<std::chrono::sys_seconds> parse_rfc3339(std::string_view text);
}  // namespace mcns::control::auth
