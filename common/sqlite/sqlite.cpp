#include "common/sqlite/sqlite.h"

#include "common/base/strings.h"

namespace mcns::sqlite {

Status error_status(int rc, sqlite3* db, std::string_view context) {
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = str_cat("database error (", context, "): ", detail);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
      return unavailable(str_cat("database unavailable (", context, "): ", detail));
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return already_exists(std::move(message));
      return failed_precondition(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return {StatusCode::kDataLoss, std::move(message)};
    default:
      return internal_error(std::move(message));
  }
}

// ---- Statement ----

Status Statement::check_bind(int rc, int index) {
  if (rc == SQLITE_OK) return ok_status();
  sqlite3* db = stmt_ ? sqlite3_db_handle(stmt_.get()) : nullptr;
  return error_status(rc, db, str_cat("bind parameter ", index, " of \"", sql_, "\""));
}

Status Statement::bind_one(int index, std::string_view v) {
  return check_bind(sqlite3_bind_text64(stmt_.get(), index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
                    index);
}

Status Statement::bind_one(int index, Blob v) {
  // A zero-length blob must still be a BLOB, not NULL: sqlite binds NULL for a null pointer.
  static const char kEmpty = 0;
  const char* data = v.bytes.empty() ? &kEmpty : v.bytes.data();
  return check_bind(sqlite3_bind_blob64(stmt_.get(), index, data, v.bytes.size(), SQLITE_TRANSIENT), index);
}

StatusOr<bool> Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return error_status(rc, sqlite3_db_handle(stmt_.get()), sql_);
}

Status Statement::run() {
  while (true) {
    MCNS_ASSIGN_OR_RETURN(bool row, step());
    if (!row) return ok_status();
  }
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

bool Statement::is_null(int column) const noexcept {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const noexcept { return sqlite3_column_int64(stmt_.get(), column); }

std::string Statement::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

std::string_view Statement::text_view(int column) const noexcept {
  const unsigned char* p = sqlite3_column_text(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string_view();
}

std::string Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

// ---- Db ----

StatusOr<Db> Db::open(const std::string& path, const OpenOptions& options) {
  int flags = SQLITE_OPEN_NOMUTEX;  // one connection per thread (or a mutex) by contract
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw, path);  // owns the handle even when open failed
  if (rc != SQLITE_OK) return error_status(rc, raw, str_cat("open ", path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  if (options.foreign_keys) MCNS_RETURN_IF_ERROR(db.exec("PRAGMA foreign_keys = ON"));
  return db;
}

Status Db::exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);  // error_status reads sqlite3_errmsg instead
  if (rc != SQLITE_OK) return error_status(rc, db_.get(), text);
  return ok_status();
}

StatusOr<Statement> Db::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  Statement stmt(raw, std::string(sql));
  if (rc != SQLITE_OK) return error_status(rc, db_.get(), str_cat("prepare \"", sql, "\""));
  if (!raw) return internal_error(str_cat("prepare \"", sql, "\": empty statement"));
  return stmt;
}

StatusOr<std::optional<std::int64_t>> Db::query_int(std::string_view sql) {
  MCNS_ASSIGN_OR_RETURN(Statement stmt, prepare(sql));
  MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row || stmt.is_null(0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(stmt.int64(0));
}

// ---- Transaction ----

StatusOr<Transaction> Transaction::begin(Db& db, Mode mode) {
  MCNS_RETURN_IF_ERROR(db.exec(mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
  return Transaction(&db);
}

Transaction::~Transaction() { rollback(); }

Status Transaction::commit() {
  if (!db_) return internal_error("commit of a finished transaction");
  Status status = db_->exec("COMMIT");
  if (!status.ok()) {
    // A failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open: end it here so the
    // connection is usable again and nothing is half-applied.
    rollback();
    return status;
  }
  db_ = nullptr;
  return ok_status();
}

void Transaction::rollback() noexcept {
  if (!db_) return;
  if (db_->in_transaction()) sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  db_ = nullptr;
}

// ---- dump ----

StatusOr<std::string> dump(Db& db) {
  std::string out;
  MCNS_ASSIGN_OR_RETURN(Statement tables,
                        db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"));
  std::vector<std::string> names;
  while (true) {
    MCNS_ASSIGN_OR_RETURN(bool row, tables.step());
    if (!row) break;
    names.push_back(tables.text(0));
    out.append(tables.text(1)).append(";\n");
  }
  for (const std::string& name : names) {
    // sqlite_sequence has no useful rowid order guarantee; sort it by name.
    std::string order = name == "sqlite_sequence" ? "name" : "rowid";
    MCNS_ASSIGN_OR_RETURN(Statement rows, db.prepare(str_cat("SELECT * FROM \"", name, "\" ORDER BY ", order)));
    int columns = sqlite3_column_count(rows.handle());
    while (true) {
      MCNS_ASSIGN_OR_RETURN(bool row, rows.step());
      if (!row) break;
      out.append(name).append(":");
      for (int c = 0; c < columns; ++c) {
        out.push_back(c == 0 ? ' ' : '|');
        switch (sqlite3_column_type(rows.handle(), c)) {
          case SQLITE_NULL: out.append("NULL"); break;
          case SQLITE_BLOB: out.append("x'").append(to_hex(rows.blob(c))).append("'"); break;
          default: out.append(rows.text(c)); break;
        }
      }
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace mcns::sqlite
