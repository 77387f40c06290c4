// The store's numbered migrations. Never edit a released migration: add a new one.
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/strings.h"
#include "services/control/store/chain.h"
#include "services/control/store/store.h"

namespace mcns::control::store {
namespace {

// Migration 1: the schema of SPEC section 5. AUTOINCREMENT on every table: record and
// zone ids are handed to API clients, and versions to frontends, so a deleted id must
// never come back meaning something else. The CHECKs repeat the domain's invariants as a
// last line of defence against a bug writing non-canonical data.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE zones (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT    NOT NULL UNIQUE CHECK (name <> '' AND name = lower(name)),
  primary_ns  TEXT    NOT NULL,
  admin_email TEXT    NOT NULL,
  refresh     INTEGER NOT NULL CHECK (refresh BETWEEN 0 AND 4294967295),
  retry       INTEGER NOT NULL CHECK (retry BETWEEN 0 AND 4294967295),
  expire      INTEGER NOT NULL CHECK (expire BETWEEN 0 AND 4294967295),
  minimum_ttl INTEGER NOT NULL CHECK (minimum_ttl BETWEEN 0 AND 4294967295),
  serial      INTEGER NOT NULL CHECK (serial BETWEEN 0 AND 4294967295),
  created_at  TEXT    NOT NULL,
  updated_at  TEXT    NOT NULL
);
CREATE TABLE records (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  zone_id    INTEGER NOT NULL REFERENCES zones (id) ON DELETE CASCADE,
  name       TEXT    NOT NULL CHECK (name <> '' AND name = lower(name)),
  type       TEXT    NOT NULL CHECK (type <> '' AND type = upper(type)),
  value      TEXT    NOT NULL CHECK (value <> ''),
  ttl        INTEGER NOT NULL CHECK (ttl BETWEEN 1 AND 2147483647),
  created_at TEXT    NOT NULL,
  updated_at TEXT    NOT NULL,
  UNIQUE (zone_id, name, type, value)
);
CREATE TABLE change_log (
  version    INTEGER PRIMARY KEY AUTOINCREMENT,
  zone       TEXT    NOT NULL,
  created_at TEXT    NOT NULL,
  payload    BLOB    NOT NULL
);
)sql";

// Migration 2: the platform's two zones (SPEC section 5).
constexpr std::string_view kPrimaryNs = "ns.mcp.metacircular.net.";
constexpr std::string_view kAdminEmail = "admin.metacircular.net.";
constexpr std::array<std::string_view, 2> kAddresses = {"192.168.88.181", "100.95.252.120"};

struct SeedZone {
  std::string_view name;
  std::array<std::string_view, 4> hosts;  // empty entries unused
};
constexpr std::array<SeedZone, 2> kSeedZones = {{
    {"svc.mcp.metacircular.net", {"metacrypt", "mcr", "sgard", "mcp-agent"}},
    {"mcp.metacircular.net", {"rift", "ns", "", ""}},
}};

Status seed(sqlite::Db& db, const Clock& clock) {
  auto now = clock();
  std::string stamp = format_time(std::chrono::floor<std::chrono::seconds>(now));
  std::int64_t serial = static_cast<std::int64_t>(utc_date_number(now)) * 100 + 1;  // today's YYYYMMDD01
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement zone,
                        db.prepare("INSERT OR IGNORE INTO zones (name, primary_ns, admin_email, refresh, retry, "
                                   "expire, minimum_ttl, serial, created_at, updated_at) "
                                   "VALUES (?, ?, ?, 3600, 600, 86400, 300, ?, ?, ?)"));
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement record,
                        db.prepare("INSERT OR IGNORE INTO records (zone_id, name, type, value, ttl, created_at, "
                                   "updated_at) SELECT id, ?, ?, ?, 300, ?, ? FROM zones WHERE name = ?"));
  auto add_record = [&](std::string_view zone_name, std::string_view name, std::string_view type,
                        std::string_view value) -> Status {
    record.reset();
    MCNS_RETURN_IF_ERROR(record.bind(name, type, value, stamp, stamp, zone_name));
    return record.run();
  };
  for (const SeedZone& z : kSeedZones) {
    zone.reset();
    MCNS_RETURN_IF_ERROR(zone.bind(z.name, kPrimaryNs, kAdminEmail, serial, stamp, stamp));
    MCNS_RETURN_IF_ERROR(zone.run());
    MCNS_RETURN_IF_ERROR(add_record(z.name, "@", "NS", kPrimaryNs));
    for (std::string_view host : z.hosts) {
      if (host.empty()) continue;
      for (std::string_view address : kAddresses) MCNS_RETURN_IF_ERROR(add_record(z.name, host, "A", address));
    }
  }
  return ok_status();
}

// Migration 3: one timeline. Every change-log row carries `chain`, a hash over the
// previous row's chain, its version and its payload, seeded by a random `genesis` drawn
// when the database is created. A frontend resumes with (version, chain): a restored
// backup, or another database on the same address, numbers different changes with the
// same versions, but never with the same chain, so the control sees that the frontend's
// history is not its own and sends a full snapshot (as a Raft log matches on term and
// index). `sync_meta` keeps the genesis and the chain of the last compacted version, so
// the chain survives compaction. `zone_serial_floor` remembers the last serial
// published under a zone name that no longer exists (deleted, or lost to a restore):
// a zone created again under that name starts above it (SPEC 13: serials never go back).
// The index on (zone, version) makes a zone's rows its journal, which IXFR reads.
constexpr std::string_view kTimelineSchema = R"sql(
ALTER TABLE change_log ADD COLUMN chain INTEGER NOT NULL DEFAULT 0;
CREATE TABLE sync_meta (
  key   TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE INDEX change_log_by_zone ON change_log (zone, version);
CREATE TABLE zone_serial_floor (
  name   TEXT    PRIMARY KEY CHECK (name <> '' AND name = lower(name)),
  serial INTEGER NOT NULL CHECK (serial BETWEEN 0 AND 4294967295)
);
)sql";

Status add_timeline(sqlite::Db& db) {
  MCNS_RETURN_IF_ERROR(db.exec(kTimelineSchema));
  const std::uint64_t genesis = random_genesis();
  MCNS_ASSIGN_OR_RETURN(auto oldest, db.query_int("SELECT min(version) FROM change_log"));
  MCNS_ASSIGN_OR_RETURN(auto latest, db.query_int("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'"));
  // Versions before the first row kept (compacted earlier) are the chain's base.
  std::int64_t base = oldest ? *oldest - 1 : latest.value_or(0);
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement meta, db.prepare("INSERT INTO sync_meta (key, value) VALUES (?, ?)"));
  for (auto [key, value] : {std::pair<std::string_view, std::int64_t>{"genesis", to_sql(genesis)},
                            {"base_version", base},
                            {"base_chain", to_sql(genesis)}}) {
    meta.reset();
    MCNS_RETURN_IF_ERROR(meta.bind(key, value));
    MCNS_RETURN_IF_ERROR(meta.run());
  }
  // Chain the rows already there, in version order.
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement rows, db.prepare("SELECT version, payload FROM change_log ORDER BY version"));
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement set, db.prepare("UPDATE change_log SET chain = ? WHERE version = ?"));
  std::vector<std::pair<std::int64_t, std::uint64_t>> chains;
  std::uint64_t chain = genesis;
  while (true) {
    MCNS_ASSIGN_OR_RETURN(bool row, rows.step());
    if (!row) break;
    auto version = static_cast<std::uint64_t>(rows.int64(0));
    chain = next_chain(chain, version, rows.blob(1));
    chains.emplace_back(rows.int64(0), chain);
  }
  for (auto [version, c] : chains) {
    set.reset();
    MCNS_RETURN_IF_ERROR(set.bind(to_sql(c), version));
    MCNS_RETURN_IF_ERROR(set.run());
  }
  return ok_status();
}

// SPEC 14 history: every committed change of a zone with who made it and how, kept for
// [history] keep_days apart from the change log (which sync compacts by count). The
// rows already in the change log become its first entries, author unknown.
constexpr std::string_view kHistorySchema = R"sql(
CREATE TABLE zone_history (
  version    INTEGER PRIMARY KEY,
  zone       TEXT    NOT NULL,
  serial     INTEGER NOT NULL,
  created_at TEXT    NOT NULL,
  user       TEXT    NOT NULL,
  via        TEXT    NOT NULL,
  payload    BLOB    NOT NULL
);
CREATE INDEX zone_history_by_zone ON zone_history (zone, version);
CREATE INDEX zone_history_by_time ON zone_history (created_at);
)sql";

Status add_history(sqlite::Db& db) {
  MCNS_RETURN_IF_ERROR(db.exec(kHistorySchema));
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement rows,
                        db.prepare("SELECT version, zone, created_at, payload FROM change_log WHERE zone <> '*' "
                                   "ORDER BY version"));
  MCNS_ASSIGN_OR_RETURN(sqlite::Statement insert,
                        db.prepare("INSERT INTO zone_history (version, zone, serial, created_at, user, via, payload) "
                                   "VALUES (?, ?, ?, ?, '', '', ?)"));
  std::map<std::string, std::int64_t, std::less<>> last_serial;
  struct Row {
    std::int64_t version, serial;
    std::string zone, created_at, payload;
  };
  std::vector<Row> out;
  while (true) {
    MCNS_ASSIGN_OR_RETURN(bool row, rows.step());
    if (!row) break;
    Row r{rows.int64(0), 0, rows.text(1), rows.text(2), std::string(rows.blob(3))};
    mcns::v1::Change change;
    if (change.ParseFromString(r.payload))
      for (const mcns::v1::ChangeOp& op : change.ops())
        if (op.has_zone_upsert() && op.zone_upsert().name() == r.zone) last_serial[r.zone] = op.zone_upsert().serial();
    r.serial = last_serial[r.zone];
    out.push_back(std::move(r));
  }
  for (const Row& r : out) {
    insert.reset();
    MCNS_RETURN_IF_ERROR(insert.bind(r.version, r.zone, r.serial, r.created_at, sqlite::Blob{r.payload}));
    MCNS_RETURN_IF_ERROR(insert.run());
  }
  return ok_status();
}

}  // namespace

std::vector<sqlite::Migration> migrations(Clock clock) {
  if (!clock) clock = [] { return std::chrono::system_clock::now(); };
  return {
      {1, "schema: zones, records, change_log", [](sqlite::Db& db) { return db.exec(kSchema); }},
      {2, "seed the platform zones", [clock](sqlite::Db& db) { return seed(db, clock); }},
      {3, "one timeline: change-log chain, zone serial floors", [](sqlite::Db& db) { return add_timeline(db); }},
      {4, "zone history with authors", [](sqlite::Db& db) { return add_history(db); }},
  };
}

}  // namespace mcns::control::store
