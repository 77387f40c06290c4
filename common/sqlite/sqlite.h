#pragma once
// RAII over the sqlite3 C API: a connection (Db), a prepared statement (Statement) and a
// transaction (Transaction). C handles live in unique_ptr with deleters, so nothing can
// leak on an early return. Every failure is a Status:
//   SQLITE_BUSY / LOCKED / IOERR / FULL / CANTOPEN / READONLY / PROTOCOL -> UNAVAILABLE
//   UNIQUE or PRIMARY KEY constraint                                     -> ALREADY_EXISTS
//   other constraints (CHECK, NOT NULL, FOREIGN KEY)                     -> FAILED_PRECONDITION
//   CORRUPT / NOTADB                                                     -> DATA_LOSS
//   anything else                                                        -> INTERNAL
// A Db is not thread-safe: give each thread its own, or guard one with a mutex.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/base/status.h"

namespace mcns::sqlite {

// Turns a sqlite3 result code into a Status; `context` says what was being done
// ("prepare", "insert record", ...). `db` may be null (no detailed message then).
Status error_status(int rc, sqlite3* db, std::string_view context);

// A BLOB parameter or column; TEXT binds take std::string_view.
struct Blob {
  std::string_view bytes;
};

class Statement {
 public:
  Statement() = default;
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Binds parameters 1..N in order: integers, strings (TEXT), Blob, std::nullopt (NULL),
  // or std::optional of those.
  template <typename... Args>
  Status bind(const Args&... args) {
    int index = 0;
    Status status;
    ((status.ok() ? (void)(status = bind_one(++index, args)) : (void)0), ...);
    return status;
  }

  // Advances: true when a row is available, false when done.
  StatusOr<bool> step();
  // Steps until done; for statements that return no rows (INSERT, UPDATE, DELETE).
  Status run();
  // Rewinds and clears bindings so the statement can be run again.
  void reset() noexcept;

  // Columns of the current row, 0-based.
  bool is_null(int column) const noexcept;
  std::int64_t int64(int column) const noexcept;
  std::string text(int column) const;
  // The column's text without a copy; valid until the next step(), reset() or the
  // statement's destruction.
  std::string_view text_view(int column) const noexcept;
  std::string blob(int column) const;

  sqlite3_stmt* handle() const noexcept { return stmt_.get(); }

 private:
  friend class Db;
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };
  Statement(sqlite3_stmt* stmt, std::string sql) : stmt_(stmt), sql_(std::move(sql)) {}

  Status check_bind(int rc, int index);
  Status bind_one(int index, std::int64_t v) { return check_bind(sqlite3_bind_int64(stmt_.get(), index, v), index); }
  Status bind_one(int index, std::string_view v);
  Status bind_one(int index, const std::string& v) { return bind_one(index, std::string_view(v)); }
  Status bind_one(int index, const char* v) { return bind_one(index, std::string_view(v)); }
  Status bind_one(int index, Blob v);
  Status bind_one(int index, std::nullopt_t) { return check_bind(sqlite3_bind_null(stmt_.get(), index), index); }
  template <typename T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, std::int64_t> && !std::is_same_v<T, bool>)
  Status bind_one(int index, T v) {
    return bind_one(index, static_cast<std::int64_t>(v));
  }
  template <typename T>
  Status bind_one(int index, const std::optional<T>& v) {
    if (!v) return bind_one(index, std::nullopt);
    return bind_one(index, *v);
  }

  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  std::string sql_;  // for error messages
};

struct OpenOptions {
  bool create = true;       // create the file if missing
  bool read_only = false;   // SQLITE_OPEN_READONLY
  int busy_timeout_ms = 5000;
  bool foreign_keys = true;
};

class Db {
 public:
  // Opens `path` with extended result codes, busy_timeout and foreign_keys as asked.
  static StatusOr<Db> open(const std::string& path, const OpenOptions& options = {});

  Db(Db&&) noexcept = default;
  Db& operator=(Db&&) noexcept = default;

  // Runs one or more statements that take no parameters and whose rows are ignored.
  Status exec(std::string_view sql);
  StatusOr<Statement> prepare(std::string_view sql);
  // Runs a query whose first row's first column is an integer; nullopt when no row or
  // the value is NULL.
  StatusOr<std::optional<std::int64_t>> query_int(std::string_view sql);

  std::int64_t last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_.get()); }
  int changes() const noexcept { return sqlite3_changes(db_.get()); }
  bool in_transaction() const noexcept { return sqlite3_get_autocommit(db_.get()) == 0; }
  const std::string& path() const noexcept { return path_; }
  sqlite3* handle() const noexcept { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

// One transaction; rolled back by the destructor unless commit() succeeded.
class Transaction {
 public:
  enum class Mode {
    kDeferred,   // takes the read snapshot at the first read: consistent reads
    kImmediate,  // takes the write lock now (waiting up to busy_timeout): one writer
  };
  static StatusOr<Transaction> begin(Db& db, Mode mode);

  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status commit();
  // Explicit rollback; the destructor does the same.
  void rollback() noexcept;

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;  // null once committed or rolled back
};

// A readable dump of every table (schema and rows, in rowid order, sqlite_sequence
// included), for tests that must show "nothing changed".
StatusOr<std::string> dump(Db& db);

}  // namespace mcns::sqlite
