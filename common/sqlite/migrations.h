#pragma once
// Numbered schema migrations. Each migration runs in its own BEGIN IMMEDIATE transaction
// together with its row in `schema_migrations`, so a migration is either fully applied
// and recorded or not at all; running the runner again applies only what is missing
// (idempotent), and two processes migrating the same file at once cannot both apply one.
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/sqlite/sqlite.h"

namespace mcns::sqlite {

struct Migration {
  int version;                        // 1, 2, 3, ... without gaps
  std::string_view description;       // recorded in schema_migrations
  std::function<Status(Db&)> apply;   // runs inside the migration's transaction
};

struct MigrationResult {
  int from_version = 0;      // schema version before
  int to_version = 0;        // schema version after
  std::vector<int> applied;  // versions applied by this call, in order
};

// The highest applied version; 0 for a database without `schema_migrations`.
StatusOr<int> schema_version(Db& db);

// Applies, in order, every migration of `migrations` (sorted 1..N) not yet recorded.
// FAILED_PRECONDITION when the database is already at a version newer than N (a newer
// binary wrote it); INTERNAL when the list is not numbered 1..N; otherwise the first
// failing migration's status (it and everything after it are not applied).
StatusOr<MigrationResult> migrate(Db& db, std::span<const Migration> migrations);

}  // namespace mcns::sqlite
