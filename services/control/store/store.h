#pragma once
// The control plane's SQLite store (SPEC section 5): zones, records and the change log.
//
// Connections: one writer connection, serialised by a mutex, on which every mutation
// runs in one BEGIN IMMEDIATE transaction (write()); reads run on a small pool of
// separate connections (WAL lets them proceed during a write) inside a deferred
// transaction, so every read sees one consistent state.
//
// The store knows tables, not rules: validation, authorization, CNAME exclusivity and
// serials live in services/control/domain, which calls write() with a function that does
// all of one command's work. The store enforces only what the schema can (UNIQUE, foreign
// keys, CHECKs) and that a transaction appends at most one change-log row.
//
// Errors: UNAVAILABLE when the database is busy, locked, full or unreadable;
// ALREADY_EXISTS for a UNIQUE violation; DATA_LOSS for an unreadable change-log payload;
// FAILED_PRECONDITION for a schema newer than this binary.
//
// NOTE: services/control/domain/model.h is the shared, header-only vocabulary (Zone,
// Record) of store and domain; the store includes it but links nothing from domain.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/sqlite/migrations.h"
#include "common/sqlite/sqlite.h"
#include "mcns/v1/sync.pb.h"
#include "services/control/domain/model.h"

namespace mcns::control::store {

using Clock = std::function<std::chrono::system_clock::time_point()>;

struct StoreOptions {
  // Create/upgrade the schema on open (the server and every subcommand but snapshot).
  bool migrate = true;
  // Open the file only if it exists (snapshot of an existing database).
  bool create = true;
  // How long a connection waits for another writer's lock before UNAVAILABLE.
  int busy_timeout_ms = 5000;
  // Up to this many idle reader connections are kept for reuse.
  std::size_t max_idle_readers = 4;
  // Time source of the seed migration (its serial is today's YYYYMMDD01); null: system clock.
  Clock clock{};
};

// One committed mutation as the watch stream sends it.
struct VersionedChange {
  std::uint64_t version = 0;
  std::uint64_t chain = 0;  // the change log's hash chain at this version (chain.h)
  std::string zone;
  domain::Timestamp created_at{};
  mcns::v1::Change change;
};

// Who made a change and how it arrived, kept in the zone's history (SPEC 14).
struct ChangeMeta {
  std::string user;
  std::string via;  // "rest", "grpc", "update", "import", "rollback", "ui"
};

// One entry of a zone's history: a committed change with its author, kept for
// [history] keep_days whatever the sync change log's compaction removes.
struct HistoryEntry {
  std::uint64_t version = 0;
  std::uint32_t serial = 0;  // the zone's serial after the change (its last, for a deletion)
  std::string zone;
  domain::Timestamp created_at{};
  std::string user;
  std::string via;
  mcns::v1::Change change;
};

// One record of a streamed snapshot (Store::stream_snapshot): views into the current
// row, valid only during the callback.
struct RecordView {
  std::int64_t id = 0;
  std::string_view name;
  std::string_view type;
  std::string_view value;
  std::uint32_t ttl = 0;
};

// Reads inside one transaction (a consistent view). Not to be kept past the callback.
class ReadTx {
 public:
  explicit ReadTx(sqlite::Db& db) : db_(db) {}

  StatusOr<std::vector<domain::Zone>> list_zones();
  // nullopt when there is no zone of that (canonical) name.
  StatusOr<std::optional<domain::Zone>> find_zone(std::string_view name);
  // nullopt when the record does not exist or belongs to another zone.
  StatusOr<std::optional<domain::Record>> find_record(std::int64_t zone_id, std::int64_t id);
  // The zone's records, optionally only those of one name and/or type, ordered by
  // name, type, value.
  StatusOr<std::vector<domain::Record>> list_records(std::int64_t zone_id,
                                                     std::optional<std::string_view> name = std::nullopt,
                                                     std::optional<std::string_view> type = std::nullopt);
  // Every record of every zone, ordered by zone_id, name, type, value.
  StatusOr<std::vector<domain::Record>> list_all_records();
  // Calls `fn` for each record of the zone (name, type, value order) without copying
  // them; `fn`'s error stops the walk and is returned.
  Status for_each_record(std::int64_t zone_id, const std::function<Status(const RecordView&)>& fn);
  // The last committed change-log version (0 before the first mutation). Survives
  // compaction.
  StatusOr<std::uint64_t> latest_version();
  // The chain value of `version` (chain.h): of its change-log row, of the last compacted
  // version, or the genesis for 0. nullopt when this database cannot vouch for that
  // version: it was compacted earlier, or this database never had it.
  StatusOr<std::optional<std::uint64_t>> chain_at(std::uint64_t version);
  // The last serial published under each zone name that no longer exists (deleted, or
  // lost to a restore), by name.
  StatusOr<std::vector<std::pair<std::string, std::uint32_t>>> serial_floors();
  // The serial floor of one zone name, nullopt if none.
  StatusOr<std::optional<std::uint32_t>> serial_floor(std::string_view zone_name);
  // The history of zone `zone_name` (every incarnation of the name), in version order:
  // the entries whose serial is after `after_serial` (numerically; all when absent), at
  // most `limit` of them (all when absent).
  StatusOr<std::vector<HistoryEntry>> zone_history(std::string_view zone_name,
                                                   std::optional<std::uint32_t> after_serial = std::nullopt,
                                                   std::optional<std::size_t> limit = std::nullopt);

 protected:
  sqlite::Db& db_;
};

// Writes inside the one BEGIN IMMEDIATE transaction of Store::write.
class WriteTx : public ReadTx {
 public:
  using ReadTx::ReadTx;

  // Inserts with zone.id ignored; returns the new id. ALREADY_EXISTS for a taken name.
  StatusOr<std::int64_t> insert_zone(const domain::Zone& zone);
  // Rewrites the SOA fields, serial and updated_at of zone.id.
  Status update_zone(const domain::Zone& zone);
  // Deletes the zone and (ON DELETE CASCADE) its records.
  Status delete_zone(std::int64_t zone_id);

  // Inserts with record.id ignored; returns the new id. ALREADY_EXISTS for a duplicate
  // (zone_id, name, type, value).
  StatusOr<std::int64_t> insert_record(const domain::Record& record);
  // Rewrites name, type, value, ttl and updated_at of record.id.
  Status update_record(const domain::Record& record);
  Status delete_record(std::int64_t record_id);

  // Appends the transaction's one change-log row and returns its version. INTERNAL when
  // called twice in one transaction or with a change without ops. A change of one zone
  // (not "*") also goes into that zone's history with `meta`.
  StatusOr<std::uint64_t> append_change(std::string_view zone, const mcns::v1::Change& change,
                                        domain::Timestamp at, const ChangeMeta& meta);
  // The version appended by this transaction, 0 if none.
  std::uint64_t appended_version() const noexcept { return appended_version_; }

  // Raises the serial floor of `zone_name` to `serial` (kept if already higher in
  // RFC 1982 order).
  Status raise_serial_floor(std::string_view zone_name, std::uint32_t serial);
  // Makes the next appended version at least `version` + 1 (a restore: versions are never
  // numbered again, even across databases).
  Status raise_version_floor(std::uint64_t version);

 private:
  std::uint64_t appended_version_ = 0;
};

class Store {
 public:
  // Opens (creating unless options.create is false) the database at `path`: WAL,
  // foreign_keys=ON, busy_timeout=5000, file mode 0600 (a failed chmod is logged as a
  // warning), then runs the migrations when options.migrate is set.
  static StatusOr<std::unique_ptr<Store>> open(const std::string& path, StoreOptions options = {});
  ~Store();

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const noexcept { return path_; }

  // Runs `fn` in one BEGIN IMMEDIATE transaction on the writer connection; commits when
  // `fn` returns OK, rolls everything back otherwise (and then returns fn's status).
  // Returns the version of the change-log row `fn` appended, 0 if it appended none.
  // Writers from this and other processes are serialised; waits up to busy_timeout.
  // `on_committed(version)` runs after a successful COMMIT that appended a version, still
  // under the writer mutex, so that within this process notifications arrive in version
  // order. It must be quick and must not call back into the store's write().
  StatusOr<std::uint64_t> write(const std::function<Status(WriteTx&)>& fn,
                                const std::function<void(std::uint64_t)>& on_committed = {});
  // Runs `fn` in one read transaction on a reader connection.
  Status read(const std::function<Status(ReadTx&)>& fn);

  // ---- for the watch stream ----
  // The last committed version (0 before the first mutation).
  StatusOr<std::uint64_t> latest_version();
  // The oldest version still in the change log; latest_version() + 1 when the log is
  // empty. A watcher at version V can be served from the log alone iff
  // V + 1 >= oldest_version() (and V <= latest_version()); otherwise it needs a snapshot.
  StatusOr<std::uint64_t> oldest_version();
  // Up to `limit` changes with version > `version`, in version order.
  StatusOr<std::vector<VersionedChange>> changes_after(std::uint64_t version, std::size_t limit);
  // Every change-log row of `zone` (and of restores, zone "*"), in version order: the
  // zone's journal, which IXFR reads.
  StatusOr<std::vector<VersionedChange>> zone_changes(std::string_view zone);
  // Deletes the history entries created before `before`; returns how many.
  StatusOr<std::size_t> prune_history(domain::Timestamp before);
  // ReadTx::chain_at in its own read transaction.
  StatusOr<std::optional<std::uint64_t>> chain_at(std::uint64_t version);
  // Deletes every change-log row except the last `keep_last_n`; returns how many were
  // deleted. latest_version() is unchanged and versions are never reused.
  StatusOr<std::size_t> compact_change_log(std::size_t keep_last_n);
  // Every zone with its records, streamed in one read transaction: `version` and
  // `chain` are set first, then for each zone (name order) `on_zone` and `on_record` for
  // each of its records (name, type, value order). Nothing is copied beyond what the
  // callbacks keep; a callback's error stops the stream and is returned. No record count
  // comes first: SQLite keeps none, and counting a million cold rows would delay the
  // first chunk by seconds (the feed sizes chunks from the previous snapshot instead).
  Status stream_snapshot(std::uint64_t& version, std::uint64_t& chain,
                         const std::function<Status(const domain::Zone&)>& on_zone,
                         const std::function<Status(const RecordView&)>& on_record);

  // ---- operations ----
  StatusOr<int> schema_version();
  // Runs the migrations (open() does when options.migrate is set).
  StatusOr<sqlite::MigrationResult> migrate();
  // Moves the WAL's content into the database file and truncates the WAL (after a bulk
  // import, so that later readers do not wade through a large WAL).
  Status checkpoint();
  // A consistent copy of the whole database into `out` (VACUUM INTO). `out` must not
  // exist or be empty.
  Status vacuum_into(const std::string& out);
  // The time of the last successful `mcns-control snapshot`, kept in sync_meta under
  // `backup_last_success_unix` (seconds since the epoch) for the control's
  // mcns_backup_last_success_timestamp_seconds. Not part of the change log; nullopt when
  // no backup was ever recorded. Both need the schema of migration 3 (sync_meta).
  Status record_backup_success(std::chrono::system_clock::time_point when);
  StatusOr<std::optional<std::int64_t>> last_backup_success();

 private:
  class ReaderLease;
  Store(std::string path, sqlite::Db writer, StoreOptions options);
  StatusOr<sqlite::Db> open_reader();
  StatusOr<ReaderLease> acquire_reader();
  void release_reader(sqlite::Db db);

  const std::string path_;
  const StoreOptions options_;

  std::mutex writer_mu_;
  sqlite::Db writer_;  // guarded by writer_mu_

  std::mutex readers_mu_;
  std::vector<sqlite::Db> idle_readers_;  // guarded by readers_mu_
};

// The schema migrations of the store, in order (exposed so tests can stop at an older
// version). `clock` dates the seed (serial YYYYMMDD01, created_at).
std::vector<sqlite::Migration> migrations(Clock clock);

// Timestamps are stored as RFC 3339 UTC text ("2026-11-29T09:10:34Z"): readable in the
// sqlite3 shell and ordered as text.
std::string format_time(domain::Timestamp t);
StatusOr<domain::Timestamp> parse_time(std::string_view text);
// Today's date in UTC as a number, e.g. 20261129.
std::uint32_t utc_date_number(std::chrono::system_clock::time_point t);

}  // namespace mcns::control::store
