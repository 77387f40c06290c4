#include "common/sqlite/migrations.h"

#include <chrono>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/base/time.h"

namespace mcns::sqlite {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " description TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";

std::string now_utc() {
  return format_rfc3339(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

StatusOr<bool> is_applied(Db& db, int version) {
  MCNS_ASSIGN_OR_RETURN(Statement stmt, db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?"));
  MCNS_RETURN_IF_ERROR(stmt.bind(version));
  return stmt.step();
}

}  // namespace

StatusOr<int> schema_version(Db& db) {
  MCNS_ASSIGN_OR_RETURN(auto exists, db.query_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                                  "AND name = 'schema_migrations'"));
  if (!exists || *exists == 0) return 0;
  MCNS_ASSIGN_OR_RETURN(auto max, db.query_int("SELECT max(version) FROM schema_migrations"));
  return static_cast<int>(max.value_or(0));
}

StatusOr<MigrationResult> migrate(Db& db, std::span<const Migration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i + 1) || !migrations[i].apply)
      return internal_error(str_cat("migration list is not numbered 1..N at position ", i + 1));
  }
  MCNS_RETURN_IF_ERROR(db.exec(kCreateTable));

  MigrationResult result;
  MCNS_ASSIGN_OR_RETURN(result.from_version, schema_version(db));
  const int known = static_cast<int>(migrations.size());
  if (result.from_version > known) {
    return failed_precondition(str_cat("database ", db.path(), " is at schema version ", result.from_version,
                                       ", newer than this binary knows (", known, "); upgrade mcns-control"));
  }
  for (const Migration& m : migrations) {
    MCNS_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db, Transaction::Mode::kImmediate));
    // Checked inside the write lock: another process may have applied it meanwhile.
    MCNS_ASSIGN_OR_RETURN(bool done, is_applied(db, m.version));
    if (done) continue;  // the destructor ends the empty transaction
    if (Status s = m.apply(db); !s.ok())
      return Status(s.code(), str_cat("migration ", m.version, " (", m.description, "): ", s.message()));
    MCNS_ASSIGN_OR_RETURN(Statement record,
                          db.prepare("INSERT INTO schema_migrations (version, description, applied_at) "
                                     "VALUES (?, ?, ?)"));
    MCNS_RETURN_IF_ERROR(record.bind(m.version, m.description, now_utc()));
    MCNS_RETURN_IF_ERROR(record.run());
    MCNS_RETURN_IF_ERROR(tx.commit());
    result.applied.push_back(m.version);
    log::info("database ", db.path(), ": applied migration ", m.version, " (", m.description, ")");
  }
  MCNS_ASSIGN_OR_RETURN(result.to_version, schema_version(db));
  return result;
}

}  // namespace mcns::sqlite
