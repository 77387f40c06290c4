// The change log (SPEC section 5, Decisions 8, 26 and 38): the versioned, hash-chained
// rows every commit appends, what the watch stream and IXFR read from them, compaction,
// and the zones' history written beside them.
#include <algorithm>
#include <cstdint>

#include "common/base/strings.h"
#include "services/control/store/chain.h"
#include "services/control/store/store.h"
#include "services/control/store/store_internal.h"

namespace mcns::control::store {

using domain::Timestamp;

StatusOr<std::uint64_t> ReadTx::latest_version() {
  // sqlite_sequence keeps the highest version ever used, also after compaction deleted
  // every row.
  MCNS_ASSIGN_OR_RETURN(auto seq, db_.query_int("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'"));
  return static_cast<std::uint64_t>(seq.value_or(0));
}

StatusOr<std::optional<std::uint64_t>> ReadTx::chain_at(std::uint64_t version) {
  if (version > static_cast<std::uint64_t>(INT64_MAX)) return std::optional<std::uint64_t>{};
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt, db_.prepare("SELECT chain FROM change_log WHERE version = ?"));
  MCNS_RETURN_IF_ERROR(stmt.bind(static_cast<std::int64_t>(version)));
  MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (row) return std::optional<std::uint64_t>(from_sql(stmt.int64(0)));
  MCNS_ASSIGN_OR_RETURN(std::int64_t base_version, meta_value(db_, "base_version"));
  if (static_cast<std::int64_t>(version) != base_version) return std::optional<std::uint64_t>{};
  MCNS_ASSIGN_OR_RETURN(std::int64_t base_chain, meta_value(db_, "base_chain"));
  return std::optional<std::uint64_t>(from_sql(base_chain));
}

StatusOr<std::vector<HistoryEntry>> ReadTx::zone_history(std::string_view zone_name,
                                                         std::optional<std::uint32_t> after_serial,
                                                         std::optional<std::size_t> limit) {
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare("SELECT version, serial, zone, created_at, user, via, payload FROM zone_history "
                                    "WHERE zone = ? AND serial > ? ORDER BY version LIMIT ?"));
  const std::int64_t after = after_serial ? static_cast<std::int64_t>(*after_serial) : -1;
  const auto max_rows = static_cast<std::int64_t>(std::min<std::size_t>(limit.value_or(INT64_MAX), INT64_MAX));
  MCNS_RETURN_IF_ERROR(stmt.bind(zone_name, after, max_rows));
  std::vector<HistoryEntry> out;
  while (true) {
    MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) return out;
    HistoryEntry e;
    e.version = static_cast<std::uint64_t>(stmt.int64(0));
    e.serial = static_cast<std::uint32_t>(stmt.int64(1));
    e.zone = stmt.text(2);
    MCNS_ASSIGN_OR_RETURN(e.created_at, parse_time(stmt.text(3)));
    e.user = stmt.text(4);
    e.via = stmt.text(5);
    if (!e.change.ParseFromString(stmt.blob(6)))
      return Status(StatusCode::kDataLoss, str_cat("history entry ", e.version, " is unreadable"));
    out.push_back(std::move(e));
  }
}

Status WriteTx::raise_version_floor(std::uint64_t version) {
  MCNS_ASSIGN_OR_RETURN(std::uint64_t latest, latest_version());
  if (version <= latest) return ok_status();
  MCNS_ASSIGN_OR_RETURN(auto has_row, db_.query_int("SELECT count(*) FROM sqlite_sequence WHERE name = 'change_log'"));
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare(has_row.value_or(0) > 0
                                        ? "UPDATE sqlite_sequence SET seq = ? WHERE name = 'change_log'"
                                        : "INSERT INTO sqlite_sequence (seq, name) VALUES (?, 'change_log')"));
  MCNS_RETURN_IF_ERROR(stmt.bind(static_cast<std::int64_t>(version)));
  return stmt.run();
}

StatusOr<std::uint64_t> WriteTx::append_change(std::string_view zone, const mcns::v1::Change& change, Timestamp at,
                                               const ChangeMeta& meta) {
  if (appended_version_ != 0) return internal_error("a transaction may append only one change-log row");
  if (change.ops_size() == 0) return internal_error("a change-log row needs at least one op");
  std::string payload;
  if (!change.SerializeToString(&payload)) return internal_error("cannot serialise the change");
  // The chain follows the newest row, or the base when compaction left none.
  MCNS_ASSIGN_OR_RETURN(auto newest, db_.query_int("SELECT chain FROM change_log ORDER BY version DESC LIMIT 1"));
  std::uint64_t prev = 0;
  if (newest) {
    prev = from_sql(*newest);
  } else {
    MCNS_ASSIGN_OR_RETURN(std::int64_t base, meta_value(db_, "base_chain"));
    prev = from_sql(base);
  }
  MCNS_ASSIGN_OR_RETURN(std::uint64_t latest, latest_version());
  const std::uint64_t version = latest + 1;
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        db_.prepare("INSERT INTO change_log (version, zone, created_at, payload, chain) "
                                    "VALUES (?, ?, ?, ?, ?)"));
  MCNS_RETURN_IF_ERROR(stmt.bind(static_cast<std::int64_t>(version), zone, format_time(at), sqlite::Blob{payload},
                                 to_sql(next_chain(prev, version, payload))));
  MCNS_RETURN_IF_ERROR(stmt.run());
  appended_version_ = static_cast<std::uint64_t>(db_.last_insert_rowid());
  if (appended_version_ != version) return internal_error("change-log version out of sequence");
  if (zone != "*") {
    // The serial after the change: its zone op's, or for a deletion the floor it left.
    std::optional<std::uint32_t> serial;
    for (const mcns::v1::ChangeOp& op : change.ops())
      if (op.has_zone_upsert() && op.zone_upsert().name() == zone) serial = op.zone_upsert().serial();
    if (!serial) {
      MCNS_ASSIGN_OR_RETURN(serial, serial_floor(zone));
    }
    MCNS_ASSIGN_OR_RETURN(sqlite::Statement hist,
                          db_.prepare("INSERT INTO zone_history (version, zone, serial, created_at, user, via, payload) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?)"));
    MCNS_RETURN_IF_ERROR(hist.bind(static_cast<std::int64_t>(version), zone,
                                   static_cast<std::int64_t>(serial.value_or(0)), format_time(at), meta.user,
                                   meta.via, sqlite::Blob{payload}));
    MCNS_RETURN_IF_ERROR(hist.run());
  }
  return appended_version_;
}

StatusOr<std::uint64_t> Store::latest_version() {
  std::uint64_t version = 0;
  MCNS_RETURN_IF_ERROR(read([&](ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(version, tx.latest_version());
    return ok_status();
  }));
  return version;
}

StatusOr<std::uint64_t> Store::oldest_version() {
  MCNS_ASSIGN_OR_RETURN(ReaderLease reader, acquire_reader());
  MCNS_ASSIGN_OR_RETURN(sqlite::Transaction tx,
                        sqlite::Transaction::begin(reader.db(), sqlite::Transaction::Mode::kDeferred));
  MCNS_ASSIGN_OR_RETURN(auto oldest, reader.db().query_int("SELECT min(version) FROM change_log"));
  std::uint64_t result = 0;
  if (oldest) {
    result = static_cast<std::uint64_t>(*oldest);
  } else {
    ReadTx rtx(reader.db());
    MCNS_ASSIGN_OR_RETURN(std::uint64_t latest, rtx.latest_version());
    result = latest + 1;
  }
  MCNS_RETURN_IF_ERROR(tx.commit());
  return result;
}

namespace {

constexpr std::string_view kChangeColumns = "version, zone, created_at, payload, chain";

// The rows of a statement selecting kChangeColumns, in its order.
StatusOr<std::vector<VersionedChange>> read_changes(sqlite::Statement& stmt) {
  std::vector<VersionedChange> out;
  while (true) {
    MCNS_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) return out;
    VersionedChange c;
    c.version = static_cast<std::uint64_t>(stmt.int64(0));
    c.zone = stmt.text(1);
    MCNS_ASSIGN_OR_RETURN(c.created_at, parse_time(stmt.text(2)));
    if (!c.change.ParseFromString(stmt.blob(3)))
      return Status(StatusCode::kDataLoss, str_cat("change-log version ", c.version, " is unreadable"));
    c.chain = from_sql(stmt.int64(4));
    out.push_back(std::move(c));
  }
}

}  // namespace

StatusOr<std::vector<VersionedChange>> Store::zone_changes(std::string_view zone) {
  MCNS_ASSIGN_OR_RETURN(ReaderLease reader, acquire_reader());
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        reader.db().prepare(str_cat("SELECT ", kChangeColumns,
                                                    " FROM change_log WHERE zone IN (?, '*') ORDER BY version")));
  MCNS_RETURN_IF_ERROR(stmt.bind(zone));
  return read_changes(stmt);
}

StatusOr<std::size_t> Store::prune_history(Timestamp before) {
  std::size_t deleted = 0;
  MCNS_RETURN_IF_ERROR(write([&](WriteTx&) -> Status {
    MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt, writer_.prepare("DELETE FROM zone_history WHERE created_at < ?"));
    MCNS_RETURN_IF_ERROR(stmt.bind(format_time(before)));
    MCNS_RETURN_IF_ERROR(stmt.run());
    deleted = static_cast<std::size_t>(writer_.changes());
    return ok_status();
  }).status());
  return deleted;
}

StatusOr<std::optional<std::uint64_t>> Store::chain_at(std::uint64_t version) {
  std::optional<std::uint64_t> chain;
  MCNS_RETURN_IF_ERROR(read([&](ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(chain, tx.chain_at(version));
    return ok_status();
  }));
  return chain;
}

StatusOr<std::vector<VersionedChange>> Store::changes_after(std::uint64_t version, std::size_t limit) {
  MCNS_ASSIGN_OR_RETURN(ReaderLease reader, acquire_reader());
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt,
                        reader.db().prepare(str_cat("SELECT ", kChangeColumns,
                                                    " FROM change_log WHERE version > ? ORDER BY version LIMIT ?")));
  // SQLite integers are signed 64-bit; a version beyond that cannot exist.
  auto after = static_cast<std::int64_t>(std::min<std::uint64_t>(version, INT64_MAX));
  auto max_rows = static_cast<std::int64_t>(std::min<std::uint64_t>(limit, INT64_MAX));
  MCNS_RETURN_IF_ERROR(stmt.bind(after, max_rows));
  return read_changes(stmt);
}

StatusOr<std::size_t> Store::compact_change_log(std::size_t keep_last_n) {
  std::size_t deleted = 0;
  MCNS_RETURN_IF_ERROR(write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(std::uint64_t latest, tx.latest_version());
    if (latest <= keep_last_n) return ok_status();
    const std::uint64_t cut = latest - keep_last_n;
    // The chain of the newest version deleted becomes the base the next rows follow.
    MCNS_ASSIGN_OR_RETURN(std::optional<std::uint64_t> cut_chain, tx.chain_at(cut));
    if (!cut_chain) return ok_status();  // compacted there already
    MCNS_RETURN_IF_ERROR(set_meta_value(writer_, "base_version", static_cast<std::int64_t>(cut)));
    MCNS_RETURN_IF_ERROR(set_meta_value(writer_, "base_chain", to_sql(*cut_chain)));
    MCNS_ASSIGN_OR_RETURN(sqlite::Statement stmt, writer_.prepare("DELETE FROM change_log WHERE version <= ?"));
    MCNS_RETURN_IF_ERROR(stmt.bind(static_cast<std::int64_t>(cut)));
    MCNS_RETURN_IF_ERROR(stmt.run());
    deleted = static_cast<std::size_t>(writer_.changes());
    return ok_status();
  }).status());
  return deleted;
}
}  // namespace mcns::control::store
