#pragma once
// The subcommands of mcns-control (SPEC section 3). Each returns the process exit code:
// 0 success, 1 runtime failure, 2 bad usage or configuration (after printing one line
// on stderr).
#include <optional>
#include <string>

#include "common/config/config.h"

namespace mcns::control::app {

// Runs the control plane until SIGINT/SIGTERM, then drains (bounded, 30 s) and returns 0.
int run_server(const config::ControlConfig& config);
// Creates or upgrades the schema, then returns.
int run_migrate(const config::ControlConfig& config);
// VACUUM INTO `out` (default: <database dir>/backups/mcns-<UTC timestamp>.db).
int run_snapshot(const config::ControlConfig& config, const std::optional<std::string>& out);
// Loads an RFC 1035 zone file into `zone` in one transaction and one change-log entry.
int run_import(const config::ControlConfig& config, const std::string& zone, const std::string& file);

}  // namespace mcns::control::app
