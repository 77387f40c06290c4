#pragma once
// The subcommands of mcns-control (SPEC section 3). Each returns the process exit code:
// 0 success, 1 runtime failure, 2 bad usage or configuration (after printing one line
// on stderr).
#include <chrono>
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
// Writes `zone` as an RFC 1035 master file to `out` (default: stdout).
int run_export(const config::ControlConfig& config, const std::string& zone, const std::optional<std::string>& out);
// Replaces the database with `backup`, moving versions and every zone's serial past what
// the replaced database had published. Refuses while a server holds the database.
int run_restore(const config::ControlConfig& config, const std::string& backup);
// Takes the "a server uses this database" lock (flock) for the life of the process;
// false when another process holds it.
bool hold_database_lock(const std::string& db_path);

// "20261130T190000Z": the UTC stamp in backup and kept-aside file names.
std::string utc_stamp(std::chrono::system_clock::time_point now);

}  // namespace mcns::control::app
