#include "services/control/store/store.h"

#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <unordered_map>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/base/time.h"
#include "services/control/store/store_internal.h"

namespace mcns::control::store {
namespace {

using domain::Record;
using domain::Timestamp;
using domain::Zone;

constexpr std::string_view kZoneColumns =
    "id, name, primary_ns, admin_email, refresh, retry, expire, minimum_ttl, serial, created_at, updated_at";
constexpr std::string_view kRecordColumns = "id, zone_id, name, type, value, ttl, created_at, updated_at";

StatusOr<Zone> zone_from_row(const sqlite::Statement& s) {
  Zone z;
  z.id = s.int64(0);
  z.name = s.text(1);
  z.primary_ns = s.text(2);
  z.admin_email = s.text(3);
  z.refresh = static_cast<std::uint32_t>(s.int64(4));
  z.retry = static_cast<std::uint32_t>(s.int64(5));
  z.expire = static_cast<std::uint32_t>(s.int64(6));
  z.minimum_ttl = static_cast<std::uint32_t>(s.int64(7));
  z.serial = static_cast<std::uint32_t>(s.int64(8));
  MCNS_ASSIGN_OR_RETURN(z.created_at, parse_time(s.text(9)));
  MCNS_ASSIGN_OR_RETURN(z.updated_at, parse_time(s.text(10)));
  return z;
}

StatusOr<Record> record_from_row(const sqlite::Statement& s) {
  Record r;
  r.id = s.int64(0);
  r.zone_id = s.int64(1);
  r.name = s.text(2);
  r.type = s.text(3);
  r.value = s.text(4);
  r.ttl = static_cast<std::uint32_t>(s.int64(5));
  MCNS_ASSIGN_OR_RETURN(r.created_at, parse_time(s.text(6)));
  MCNS_ASSIGN_OR_RETURN(r.updated_at, parse_time(s.text(7)));
  return r;
}

template <typename T, typename RowFn>
StatusOr<std::vector<T>> collect(sqlite::Statement& stmt, RowFn from_row) {
  std::vector<T> out;
  while (true) {
    MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) return out;
    MCNS_ASSIGN_OR_RETURN(T item, from_row(stmt));
    out.push_back(std::move(item));
  }
}

// Makes sure the database file exists with mode 0600 before SQLite opens it, so it is
// never readable by others, not even for a moment. SQLite gives the -wal and -shm files
// the main file's mode.
void secure_file(const std::string& path, bool create) {
  if (path.empty() || path == ":memory:") return;
  if (create) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  if (::chmod(path.c_str(), 0600) != 0 && errno != ENOENT)
    log::warn("database ", path, ": cannot set file mode 0600: ", std::strerror(errno));
}

StatusOr<sqlite::Db> open_connection(const std::string& path, bool create, int busy_timeout_ms) {
  sqlite::OpenOptions options;
  options.create = create;
  options.busy_timeout_ms = busy_timeout_ms;
  options.foreign_keys = true;
  return sqlite::Db::open(path, options);
}

}  // namespace

// ---- time ----

std::string format_time(Timestamp t) { return format_rfc3339(t); }

StatusOr<Timestamp> parse_time(std::string_view text) {
  // Fixed layout "YYYY-MM-DDTHH:MM:SSZ", parsed by hand: a snapshot of a million records
  // parses two per record, and strptime + timegm cost far more than this.
  auto bad = [&] { return Status(StatusCode::kDataLoss, str_cat("stored time \"", text, "\" is unreadable")); };
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return bad();
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
    if (text[i] < '0' || text[i] > '9') return bad();
  auto number = [&](std::size_t pos, std::size_t len) { return parse_int<int>(text.substr(pos, len)); };
  auto y = number(0, 4), mo = number(5, 2), d = number(8, 2), h = number(11, 2), mi = number(14, 2),
       s = number(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) return bad();
  std::chrono::year_month_day ymd{std::chrono::year(*y), std::chrono::month(static_cast<unsigned>(*mo)),
                                  std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return bad();
  return Timestamp(std::chrono::sys_days(ymd)) + std::chrono::hours(*h) + std::chrono::minutes(*mi) +
         std::chrono::seconds(*s);
}

std::uint32_t utc_date_number(std::chrono::system_clock::time_point t) {
  std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  return static_cast<std::uint32_t>(static_cast<int>(ymd.year()) * 10000 +
                                    static_cast<unsigned>(ymd.month()) * 100 + static_cast<unsigned>(ymd.day()));
}

// ---- ReadTx ----

StatusOr<std::vector<Zone>> ReadTx::list_zones() {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare(str_cat("SELECT ", kZoneColumns, " FROM zones ORDER BY name")));
  return collect<Zone>(stmt, zone_from_row);
}

StatusOr<std::optional<Zone>> ReadTx::find_zone(std::string_view name) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare(str_cat("SELECT ", kZoneColumns, " FROM zones WHERE name = ?")));
  MCNS_RETURN_IF_ERROR(stmt.bind(name));
  MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) return std::optional<Zone>();
  MCNS_ASSIGN_OR_RETURN(Zone zone, zone_from_row(stmt));
  return std::optional<Zone>(std::move(zone));
}

StatusOr<std::optional<Record>> ReadTx::find_record(std::int64_t zone_id, std::int64_t id) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare(str_cat("SELECT ", kRecordColumns, " FROM records WHERE id = ? AND zone_id = ?")));
  MCNS_RETURN_IF_ERROR(stmt.bind(id, zone_id));
  MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) return std::optional<Record>();
  MCNS_ASSIGN_OR_RETURN(Record record, record_from_row(stmt));
  return std::optional<Record>(std::move(record));
}

StatusOr<std::vector<Record>> ReadTx::list_records(std::int64_t zone_id, std::optional<std::string_view> name,
                                                   std::optional<std::string_view> type) {
  // One statement per filter combination, so that the UNIQUE(zone_id, name, type, value)
  // index serves every lookup: the CNAME check on each write looks up one name in what
  // may be a zone of 100,000 records. ("?2 IS NULL OR name = ?2" would scan the zone.)
  std::string sql = str_cat("SELECT ", kRecordColumns, " FROM records WHERE zone_id = ?");
  if (name) sql += " AND name = ?";
  if (type) sql += " AND type = ?";
  sql += " ORDER BY name, type, value, id";
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt, db_.prepare(sql));
  Status bound;
  if (name && type) bound = stmt.bind(zone_id, *name, *type);
  else if (name) bound = stmt.bind(zone_id, *name);
  else if (type) bound = stmt.bind(zone_id, *type);
  else bound = stmt.bind(zone_id);
  MCNS_RETURN_IF_ERROR(bound);
  return collect<Record>(stmt, record_from_row);
}

Status ReadTx::for_each_record(std::int64_t zone_id, const std::function<Status(const RecordView&)>& fn) {
  // Through the UNIQUE(zone_id, name, type, value) index: rows come out in order without
  // a sort, and nothing of the whole table is held in memory.
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare("SELECT id, name, type, value, ttl FROM records WHERE zone_id = ? "
                                    "ORDER BY name, type, value"));
  MCNS_RETURN_IF_ERROR(stmt.bind(zone_id));
  while (true) {
    MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) return ok_status();
    RecordView view{stmt.int64(0), stmt.text_view(1), stmt.text_view(2), stmt.text_view(3),
                    static_cast<std::uint32_t>(stmt.int64(4))};
    MCNS_RETURN_IF_ERROR(fn(view));
  }
}

StatusOr<std::vector<Record>> ReadTx::list_all_records() {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare(str_cat("SELECT ", kRecordColumns,
                                            " FROM records ORDER BY zone_id, name, type, value, id")));
  return collect<Record>(stmt, record_from_row);
}

StatusOr<std::vector<std::pair<std::string, std::uint32_t>>> ReadTx::serial_floors() {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt, db_.prepare("SELECT name, serial FROM zone_serial_floor ORDER BY name"));
  std::vector<std::pair<std::string, std::uint32_t>> out;
  while (true) {
    MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) return out;
    out.emplace_back(stmt.text(0), static_cast<std::uint32_t>(stmt.int64(1)));
  }
}

StatusOr<std::optional<std::uint32_t>> ReadTx::serial_floor(std::string_view zone_name) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt, db_.prepare("SELECT serial FROM zone_serial_floor WHERE name = ?"));
  MCNS_RETURN_IF_ERROR(stmt.bind(zone_name));
  MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) return std::optional<std::uint32_t>{};
  return std::optional<std::uint32_t>(static_cast<std::uint32_t>(stmt.int64(0)));
}

// ---- WriteTx ----

Status WriteTx::raise_serial_floor(std::string_view zone_name, std::uint32_t serial) {
  MCNS_ASSIGN_OR_RETURN(std::optional<std::uint32_t> current, serial_floor(zone_name));
  // RFC 1982 order: the floor moves only forward.
  if (current && (*current == serial || static_cast<std::int32_t>(serial - *current) < 0)) return ok_status();
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare("INSERT INTO zone_serial_floor (name, serial) VALUES (?, ?) "
                                    "ON CONFLICT (name) DO UPDATE SET serial = excluded.serial"));
  MCNS_RETURN_IF_ERROR(stmt.bind(zone_name, static_cast<std::int64_t>(serial)));
  return stmt.run();
}

StatusOr<std::int64_t> WriteTx::insert_zone(const Zone& z) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare("INSERT INTO zones (name, primary_ns, admin_email, refresh, retry, expire, "
                                    "minimum_ttl, serial, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)"));
  MCNS_RETURN_IF_ERROR(stmt.bind(z.name, z.primary_ns, z.admin_email, z.refresh, z.retry, z.expire, z.minimum_ttl,
                                 z.serial, format_time(z.created_at), format_time(z.updated_at)));
  Status s = stmt.run();
  if (s.code() == StatusCode::kAlreadyExists) return already_exists(str_cat("zone \"", z.name, "\" already exists"));
  MCNS_RETURN_IF_ERROR(s);
  return db_.last_insert_rowid();
}

Status WriteTx::update_zone(const Zone& z) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare("UPDATE zones SET primary_ns = ?, admin_email = ?, refresh = ?, retry = ?, "
                                    "expire = ?, minimum_ttl = ?, serial = ?, updated_at = ? WHERE id = ?"));
  MCNS_RETURN_IF_ERROR(stmt.bind(z.primary_ns, z.admin_email, z.refresh, z.retry, z.expire, z.minimum_ttl, z.serial,
                                 format_time(z.updated_at), z.id));
  MCNS_RETURN_IF_ERROR(stmt.run());
  if (db_.changes() != 1) return not_found(str_cat("zone id ", z.id, " not found"));
  return ok_status();
}

Status WriteTx::delete_zone(std::int64_t zone_id) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt, db_.prepare("DELETE FROM zones WHERE id = ?"));
  MCNS_RETURN_IF_ERROR(stmt.bind(zone_id));
  MCNS_RETURN_IF_ERROR(stmt.run());
  if (db_.changes() != 1) return not_found(str_cat("zone id ", zone_id, " not found"));
  return ok_status();
}

StatusOr<std::int64_t> WriteTx::insert_record(const Record& r) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare("INSERT INTO records (zone_id, name, type, value, ttl, created_at, updated_at) "
                                    "VALUES (?,?,?,?,?,?,?)"));
  MCNS_RETURN_IF_ERROR(stmt.bind(r.zone_id, r.name, r.type, r.value, r.ttl, format_time(r.created_at),
                                 format_time(r.updated_at)));
  Status s = stmt.run();
  if (s.code() == StatusCode::kAlreadyExists)
    return already_exists(str_cat("record already exists: ", r.name, " ", r.type, " ", r.value));
  MCNS_RETURN_IF_ERROR(s);
  return db_.last_insert_rowid();
}

Status WriteTx::update_record(const Record& r) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare("UPDATE records SET name = ?, type = ?, value = ?, ttl = ?, updated_at = ? "
                                    "WHERE id = ?"));
  MCNS_RETURN_IF_ERROR(stmt.bind(r.name, r.type, r.value, r.ttl, format_time(r.updated_at), r.id));
  Status s = stmt.run();
  if (s.code() == StatusCode::kAlreadyExists)
    return already_exists(str_cat("record already exists: ", r.name, " ", r.type, " ", r.value));
  MCNS_RETURN_IF_ERROR(s);
  if (db_.changes() != 1) return not_found(str_cat("record ", r.id, " not found"));
  return ok_status();
}

Status WriteTx::delete_record(std::int64_t record_id) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt, db_.prepare("DELETE FROM records WHERE id = ?"));
  MCNS_RETURN_IF_ERROR(stmt.bind(record_id));
  MCNS_RETURN_IF_ERROR(stmt.run());
  if (db_.changes() != 1) return not_found(str_cat("record ", record_id, " not found"));
  return ok_status();
}

// ---- Store ----

Store::Store(std::string path, sqlite::Db writer, StoreOptions options)
    : path_(std::move(path)), options_(std::move(options)), writer_(std::move(writer)) {}

Store::~Store() = default;

StatusOr<std::unique_ptr<Store>> Store::open(const std::string& path, StoreOptions options) {
  if (!options.clock) options.clock = [] { return std::chrono::system_clock::now(); };
  // What the operator must fix in the configuration is NOT_FOUND (the commands exit 2);
  // UNAVAILABLE stays for a database that exists but cannot be used right now.
  if (!options.create && ::access(path.c_str(), F_OK) != 0)
    return not_found(str_cat("database ", path, " does not exist"));
  {
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (!dir.empty() && ::access(dir.c_str(), F_OK) != 0)
      return not_found(str_cat("database directory ", dir, " does not exist"));
  }
  secure_file(path, options.create);
  MCNS_ASSIGN_OR_RETURN(sqlite::Db writer, open_connection(path, options.create, options.busy_timeout_ms));
  // journal_mode answers with the mode in effect; anything but "wal" (e.g. a file system
  // without shared memory) would silently lose concurrent reads, so it is an error.
  {
    MCNS_ASSIGN_OR_RETURN(sqlite::Statement wal, writer.prepare("PRAGMA journal_mode = WAL"));
    MCNS_ASSIGN_OR_RETURN(bool row, wal.step());
    if (!row || to_lower(wal.text(0)) != "wal")
      return unavailable(str_cat("database ", path, ": cannot enable WAL journal mode"));
  }  // finalised here: a pending statement would make the migrations' COMMIT fail
  // FULL, not WAL's usual NORMAL: with NORMAL a power loss can drop the last commits, and
  // their versions, already streamed to frontends, would be reused for different changes.
  MCNS_RETURN_IF_ERROR(writer.exec("PRAGMA synchronous = FULL"));
  auto store = std::unique_ptr<Store>(new Store(path, std::move(writer), std::move(options)));
  if (store->options_.migrate) MCNS_RETURN_IF_ERROR(store->migrate().status());
  return store;
}

StatusOr<sqlite::MigrationResult> Store::migrate() {
  std::lock_guard lock(writer_mu_);
  auto list = migrations(options_.clock);
  return sqlite::migrate(writer_, list);
}

StatusOr<int> Store::schema_version() {
  MCNS_ASSIGN_OR_RETURN(ReaderLease reader, acquire_reader());
  return sqlite::schema_version(reader.db());
}

StatusOr<sqlite::Db> Store::open_reader() {
  MCNS_ASSIGN_OR_RETURN(sqlite::Db db, open_connection(path_, /*create=*/false, options_.busy_timeout_ms));
  // Belt and braces: nothing may write through a reader connection.
  MCNS_RETURN_IF_ERROR(db.exec("PRAGMA query_only = ON"));
  return db;
}

StatusOr<Store::ReaderLease> Store::acquire_reader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      sqlite::Db db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(db));
    }
  }
  // No idle connection: open one rather than wait; it joins the pool when released.
  MCNS_ASSIGN_OR_RETURN(sqlite::Db db, open_reader());
  return ReaderLease(this, std::move(db));
}

void Store::release_reader(sqlite::Db db) {
  if (db.in_transaction()) return;  // never reuse a connection left mid-transaction
  std::lock_guard lock(readers_mu_);
  if (idle_readers_.size() < options_.max_idle_readers) idle_readers_.push_back(std::move(db));
}

StatusOr<std::uint64_t> Store::write(const std::function<Status(WriteTx&)>& fn,
                                     const std::function<void(std::uint64_t)>& on_committed) {
  std::lock_guard lock(writer_mu_);
  MCNS_ASSIGN_OR_RETURN(sqlite::Transaction tx,
                        sqlite::Transaction::begin(writer_, sqlite::Transaction::Mode::kImmediate));
  WriteTx wtx(writer_);
  MCNS_RETURN_IF_ERROR(fn(wtx));  // tx's destructor rolls back
  MCNS_RETURN_IF_ERROR(tx.commit());
  if (on_committed && wtx.appended_version() != 0) on_committed(wtx.appended_version());
  return wtx.appended_version();
}

Status Store::read(const std::function<Status(ReadTx&)>& fn) {
  MCNS_ASSIGN_OR_RETURN(ReaderLease reader, acquire_reader());
  MCNS_ASSIGN_OR_RETURN(sqlite::Transaction tx,
                        sqlite::Transaction::begin(reader.db(), sqlite::Transaction::Mode::kDeferred));
  ReadTx rtx(reader.db());
  MCNS_RETURN_IF_ERROR(fn(rtx));
  return tx.commit();
}

Status Store::stream_snapshot(std::uint64_t& version, std::uint64_t& chain,
                              const std::function<Status(const Zone&)>& on_zone,
                              const std::function<Status(const RecordView&)>& on_record) {
  return read([&](ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(version, tx.latest_version());
    MCNS_ASSIGN_OR_RETURN(auto at, tx.chain_at(version));
    chain = at.value_or(0);
    MCNS_ASSIGN_OR_RETURN(std::vector<Zone> zones, tx.list_zones());
    for (const Zone& zone : zones) {
      MCNS_RETURN_IF_ERROR(on_zone(zone));
      MCNS_RETURN_IF_ERROR(tx.for_each_record(zone.id, on_record));
    }
    return ok_status();
  });
}

Status Store::checkpoint() {
  std::lock_guard lock(writer_mu_);
  return writer_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

Status Store::vacuum_into(const std::string& out) {
  // query_only forbids VACUUM INTO on a pooled reader connection; use a fresh one.
  MCNS_ASSIGN_OR_RETURN(sqlite::Db db, open_connection(path_, /*create=*/false, options_.busy_timeout_ms));
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt, db.prepare("VACUUM INTO ?"));
  MCNS_RETURN_IF_ERROR(stmt.bind(out));
  return stmt.run();
}

namespace {
constexpr std::string_view kBackupKey = "backup_last_success_unix";
}  // namespace

Status Store::record_backup_success(std::chrono::system_clock::time_point when) {
  const std::int64_t unix_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
  std::lock_guard lock(writer_mu_);
  return set_meta_value(writer_, kBackupKey, unix_seconds);
}

StatusOr<std::optional<std::int64_t>> Store::last_backup_success() {
  MCNS_ASSIGN_OR_RETURN(ReaderLease reader, acquire_reader());
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt, reader.db().prepare("SELECT value FROM sync_meta WHERE key = ?"));
  MCNS_RETURN_IF_ERROR(stmt.bind(kBackupKey));
  MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>(stmt.int64(0));
}

}  // namespace mcns::control::store
