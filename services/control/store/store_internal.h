#pragma once
// Internals shared by the store's .cpp files (store.cpp, change_log.cpp); not for use
// outside services/control/store.
#include <optional>
#include <string_view>
#include <utility>

#include "common/base/status.h"
#include "common/base/strings.h"
#include "common/sqlite/sqlite.h"
#include "services/control/store/store.h"

namespace mcns::control::store {

// A pooled reader connection, returned to the pool when the lease ends.
class Store::ReaderLease {
 public:
  ReaderLease(Store* store, sqlite::Db db) : store_(store), db_(std::move(db)) {}
  ReaderLease(ReaderLease&& other) noexcept : store_(std::exchange(other.store_, nullptr)), db_(std::move(other.db_)) {}
  ReaderLease& operator=(ReaderLease&&) = delete;
  ~ReaderLease() {
    if (store_ && db_) store_->release_reader(std::move(*db_));
  }
  sqlite::Db& db() { return *db_; }

 private:
  Store* store_;
  std::optional<sqlite::Db> db_;
};

// sync_meta (migration 3): the change log's base version and chain, the last backup.
inline StatusOr<std::int64_t> meta_value(sqlite::Db& db, std::string_view key) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt, db.prepare("SELECT value FROM sync_meta WHERE key = ?"));
  MCNS_RETURN_IF_ERROR(stmt.bind(key));
  MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) return Status(StatusCode::kDataLoss, str_cat("sync_meta has no ", key));
  return stmt.int64(0);
}

inline Status set_meta_value(sqlite::Db& db, std::string_view key, std::int64_t value) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db.prepare("INSERT INTO sync_meta (key, value) VALUES (?, ?) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  MCNS_RETURN_IF_ERROR(stmt.bind(key, value));
  return stmt.run();
}

}  // namespace mcns::control::store
