#include "services/control/store/store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <set>
#include <thread>
#include <tuple>

#include "common/base/strings.h"
#include "services/control/store/store_fixture.h"
#include "services/control/store/test_support.h"

namespace mcns::control::store {
namespace {

using domain::Record;
using domain::Zone;
using testing::dump_file;
using testing::FakeClock;
using testing::TempDir;

// The schema this binary writes: the last migration of schema.cpp (zone history).
constexpr int kLatestSchema = 4;

using RecordKey = std::tuple<std::string, std::string, std::string, std::string, std::uint32_t>;

std::set<RecordKey> all_records(Store& store) {
  std::set<RecordKey> out;
  auto snap = testing::read_snapshot(store);
  EXPECT_TRUE(snap.ok()) << snap.status();
  if (!snap.ok()) return out;
  for (const auto& z : snap->zones)
    for (const auto& r : z.records) out.emplace(z.zone.name, r.name, r.type, r.value, r.ttl);
  return out;
}

TEST_F(StoreTest, FreshDatabaseHoldsExactlyTheSeed) {
  auto store = open_store();
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->schema_version(), kLatestSchema);
  EXPECT_EQ(*store->latest_version(), 0u);

  auto snap = testing::read_snapshot(*store);
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_EQ(snap->zones.size(), 2u);
  for (const auto& z : snap->zones) {
    EXPECT_EQ(z.zone.primary_ns, "ns.mcp.metacircular.net.");
    EXPECT_EQ(z.zone.admin_email, "admin.metacircular.net.");
    EXPECT_EQ(z.zone.refresh, 3600u);
    EXPECT_EQ(z.zone.retry, 600u);
    EXPECT_EQ(z.zone.expire, 86400u);
    EXPECT_EQ(z.zone.minimum_ttl, 300u);
    EXPECT_EQ(z.zone.serial, 2026112901u);  // today's YYYYMMDD01 by the migration's clock
    EXPECT_EQ(format_time(z.zone.created_at), "2026-11-29T09:10:00Z");
  }

  std::set<RecordKey> want;
  const char* addrs[] = {"192.168.88.181", "100.95.252.120"};
  for (const char* zone : {"svc.mcp.metacircular.net", "mcp.metacircular.net"})
    want.emplace(zone, "@", "NS", "ns.mcp.metacircular.net.", 300);
  for (const char* host : {"metacrypt", "mcr", "sgard", "mcp-agent"})
    for (const char* a : addrs) want.emplace("svc.mcp.metacircular.net", host, "A", a, 300);
  for (const char* host : {"rift", "ns"})
    for (const char* a : addrs) want.emplace("mcp.metacircular.net", host, "A", a, 300);
  EXPECT_EQ(all_records(*store), want);
  EXPECT_EQ(want.size(), 14u);
}

TEST_F(StoreTest, WalForeignKeysAndFileMode) {
  auto store = open_store();
  ASSERT_TRUE(store);
  auto db = sqlite::Db::open(path_, {.create = false});
  ASSERT_TRUE(db.ok());
  auto mode = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok() && *mode->step());
  EXPECT_EQ(mode->text(0), "wal");

  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  // Foreign keys are enforced on the writer: a record of a zone that does not exist.
  auto v = store->write([](WriteTx& tx) -> Status {
    Record r{.zone_id = 9999, .name = "x", .type = "A", .value = "10.0.0.1"};
    return tx.insert_record(r).status();
  });
  EXPECT_EQ(v.status().code(), StatusCode::kFailedPrecondition) << v.status();
}

TEST_F(StoreTest, ExistingLooseFileModeIsTightened) {
  { auto store = open_store(); }
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  auto store = open_store();
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_F(StoreTest, MigrateTwiceChangesNothing) {
  auto store = open_store();
  ASSERT_TRUE(store);
  std::string before = dump_file(path_);
  clock_.advance(std::chrono::hours(48));  // a re-run seed would now write a different serial
  auto again = store->migrate();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->applied.empty());
  store.reset();
  auto reopened = open_store();
  ASSERT_TRUE(reopened);
  EXPECT_EQ(dump_file(path_), before);
}

TEST_F(StoreTest, OlderSchemaUpgradesInPlace) {
  {
    auto db = sqlite::Db::open(path_);
    ASSERT_TRUE(db.ok());
    auto list = migrations(clock_.as_clock());
    ASSERT_TRUE(sqlite::migrate(*db, std::span(list).first(1)).ok());
    // Data written while at version 1 must survive the upgrade; the seed's INSERT OR
    // IGNORE must not clobber a zone that already exists under a seed name.
    ASSERT_TRUE(db->exec("INSERT INTO zones (name, primary_ns, admin_email, refresh, retry, expire, minimum_ttl, "
                         "serial, created_at, updated_at) VALUES ('mcp.metacircular.net', 'ns1.example.', "
                         "'me.example.', 1, 2, 3, 4, 5, '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')")
                    .ok());
  }
  auto store = open_store();
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->schema_version(), kLatestSchema);
  auto snap = testing::read_snapshot(*store);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->zones.size(), 2u);
  const testing::ZoneContents& mcp = snap->zones[0];
  EXPECT_EQ(mcp.zone.name, "mcp.metacircular.net");
  EXPECT_EQ(mcp.zone.primary_ns, "ns1.example.");
  EXPECT_EQ(mcp.zone.serial, 5u);
  EXPECT_EQ(mcp.records.size(), 5u);  // seed records still added to the existing zone
  EXPECT_EQ(snap->zones[1].records.size(), 9u);
}

TEST_F(StoreTest, NewerSchemaIsRefused) {
  { auto store = open_store(); }
  {
    auto db = sqlite::Db::open(path_);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec(str_cat("INSERT INTO schema_migrations VALUES (", kLatestSchema + 1,
                                 ", 'from the future', '2030-01-01T00:00:00Z')"))
                    .ok());
  }
  auto store = Store::open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(StoreTest, OpenWithoutCreateDoesNotMakeAFile) {
  StoreOptions options;
  options.migrate = false;
  options.create = false;
  auto store = Store::open(dir_.file("missing.db"), options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("missing.db")));
}

TEST_F(StoreTest, SerialFloorsOnlyMoveForwardAndVersionFloorsSkipAhead) {
  auto store = open_store();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->write([](WriteTx& tx) -> Status {
    MCNS_RETURN_IF_ERROR(tx.raise_serial_floor("gone.example", 2026010105));
    MCNS_RETURN_IF_ERROR(tx.raise_serial_floor("gone.example", 2025010101));  // older: kept
    MCNS_RETURN_IF_ERROR(tx.raise_serial_floor("wrap.example", 4294967295u));
    MCNS_RETURN_IF_ERROR(tx.raise_serial_floor("wrap.example", 5));  // after the wrap (RFC 1982)
    return tx.raise_version_floor(41);
  }).ok());
  std::vector<std::pair<std::string, std::uint32_t>> floors;
  ASSERT_TRUE(store->read([&](ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(floors, tx.serial_floors());
    return ok_status();
  }).ok());
  EXPECT_EQ(floors, (std::vector<std::pair<std::string, std::uint32_t>>{{"gone.example", 2026010105u},
                                                                        {"wrap.example", 5u}}));
  EXPECT_EQ(*store->latest_version(), 41u);
  EXPECT_EQ(*add_host(*store, "mcp.metacircular.net", 1), 42u);
}

TEST_F(StoreTest, SnapshotVersionMatchesItsData) {
  auto writer_store = open_store();
  auto reader_store = open_store();
  ASSERT_TRUE(writer_store && reader_store);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i <= 150; ++i) ASSERT_TRUE(add_host(*writer_store, "mcp.metacircular.net", i).ok());
    done = true;
  });
  int snapshots = 0;
  std::uint64_t last = 0;
  while (!done || snapshots == 0) {
    auto snap = testing::read_snapshot(*reader_store);
    ASSERT_TRUE(snap.ok()) << snap.status();
    // Each version added exactly one record to mcp.metacircular.net (5 seed records).
    ASSERT_EQ(snap->zones[0].zone.name, "mcp.metacircular.net");
    EXPECT_EQ(snap->zones[0].records.size(), 5 + snap->version);
    EXPECT_GE(snap->version, last);
    last = snap->version;
    ++snapshots;
  }
  writer.join();
  EXPECT_EQ(testing::read_snapshot(*reader_store)->version, 150u);
}

TEST_F(StoreTest, ZoneDeleteCascadesToRecords) {
  auto store = open_store();
  ASSERT_TRUE(store);
  auto v = store->write([](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(auto zone, tx.find_zone("svc.mcp.metacircular.net"));
    if (!zone) return not_found("zone");
    return tx.delete_zone(zone->id);
  });
  ASSERT_TRUE(v.ok()) << v.status();
  auto snap = testing::read_snapshot(*store);
  ASSERT_EQ(snap->zones.size(), 1u);
  Status s = store->read([](ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(auto records, tx.list_all_records());
    EXPECT_EQ(records.size(), 5u);
    return ok_status();
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(StoreTest, DuplicatesAreAlreadyExists) {
  auto store = open_store();
  ASSERT_TRUE(store);
  auto dup_record = store->write([](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(auto zone, tx.find_zone("mcp.metacircular.net"));
    if (!zone) return not_found("zone");
    Record r{.zone_id = zone->id, .name = "rift", .type = "A", .value = "192.168.88.181", .ttl = 60};
    return tx.insert_record(r).status();
  });
  EXPECT_EQ(dup_record.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup_record.status().message(), "record already exists: rift A 192.168.88.181");
  auto dup_zone = store->write([](WriteTx& tx) -> Status {
    Zone z{.name = "mcp.metacircular.net", .primary_ns = "a.", .admin_email = "b."};
    return tx.insert_zone(z).status();
  });
  EXPECT_EQ(dup_zone.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup_zone.status().message(), "zone \"mcp.metacircular.net\" already exists");
}

TEST_F(StoreTest, ListRecordsFiltersByNameAndType) {
  auto store = open_store();
  ASSERT_TRUE(store);
  Status s = store->read([](ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(auto zone, tx.find_zone("svc.mcp.metacircular.net"));
    if (!zone) return not_found("zone");
    EXPECT_EQ(tx.list_records(zone->id)->size(), 9u);
    EXPECT_EQ(tx.list_records(zone->id, "mcr")->size(), 2u);
    EXPECT_EQ(tx.list_records(zone->id, std::nullopt, "NS")->size(), 1u);
    EXPECT_EQ(tx.list_records(zone->id, "mcr", "NS")->size(), 0u);
    auto by_name = tx.list_records(zone->id, "@", "NS");
    EXPECT_EQ(by_name->at(0).value, "ns.mcp.metacircular.net.");
    EXPECT_FALSE(tx.find_record(zone->id, 1)->has_value() && tx.find_record(zone->id, 1)->value().zone_id != zone->id);
    return ok_status();
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(StoreTest, BusyWriterIsUnavailable) {
  StoreOptions options;
  options.busy_timeout_ms = 20;
  auto store = open_store(options);
  ASSERT_TRUE(store);
  auto other = sqlite::Db::open(path_, {.create = false});
  ASSERT_TRUE(other.ok());
  auto hold = sqlite::Transaction::begin(*other, sqlite::Transaction::Mode::kImmediate);
  ASSERT_TRUE(hold.ok());
  std::string before = dump_file(path_);
  auto v = add_host(*store, "mcp.metacircular.net", 1);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kUnavailable) << v.status();
  // Reads go on during the other writer's transaction (WAL).
  EXPECT_TRUE(testing::read_snapshot(*store).ok());
  hold->rollback();
  EXPECT_EQ(dump_file(path_), before);
  EXPECT_TRUE(add_host(*store, "mcp.metacircular.net", 1).ok());
}

TEST_F(StoreTest, VacuumIntoMakesAConsistentCopy) {
  auto store = open_store();
  ASSERT_TRUE(store);
  ASSERT_TRUE(add_host(*store, "mcp.metacircular.net", 1).ok());
  std::string copy = dir_.file("copy.db");
  ASSERT_TRUE(store->vacuum_into(copy).ok());
  StoreOptions options;
  options.migrate = false;
  options.create = false;
  auto restored = Store::open(copy, options);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(all_records(**restored), all_records(*store));
  EXPECT_EQ(*(*restored)->latest_version(), 1u);
  EXPECT_FALSE(store->vacuum_into(copy).ok());  // an existing, non-empty file is refused
}

TEST(StoreTimeTest, FormatParseAndDateNumber) {
  auto t = domain::Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 2 / 28)) + std::chrono::hours(23) +
           std::chrono::minutes(59) + std::chrono::seconds(59);
  EXPECT_EQ(format_time(t), "2026-02-28T23:59:59Z");
  EXPECT_EQ(*parse_time("2026-02-28T23:59:59Z"), t);
  EXPECT_FALSE(parse_time("yesterday").ok());
  EXPECT_FALSE(parse_time("2026-02-28T23:59:59Z junk").ok());
  EXPECT_FALSE(parse_time("2026-02-30T00:00:00Z").ok());
  EXPECT_FALSE(parse_time("2026-02-28T24:00:00Z").ok());
  EXPECT_FALSE(parse_time("2026-02-28 23:59:59Z").ok());
  EXPECT_FALSE(parse_time("2026-+2-28T23:59:59Z").ok());
  EXPECT_FALSE(parse_time("2026-02-28T-1:59:59Z").ok());
  EXPECT_EQ(*parse_time("1970-01-01T00:00:00Z"), domain::Timestamp{});
  EXPECT_EQ(format_time(*parse_time("2000-02-29T12:34:56Z")), "2000-02-29T12:34:56Z");
  EXPECT_EQ(utc_date_number(t), 20260228u);
  EXPECT_EQ(utc_date_number(t + std::chrono::seconds(1)), 20260301u);
}

TEST_F(StoreTest, BackupSuccessIsRecordedOutsideTheChangeLog) {
  auto store = open_store();
  ASSERT_TRUE(store);
  auto none = store->last_backup_success();
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  const std::uint64_t version = *store->latest_version();

  const auto t1 = std::chrono::system_clock::time_point(std::chrono::seconds(1780000000)) + std::chrono::milliseconds(900);
  ASSERT_TRUE(store->record_backup_success(t1).ok());
  EXPECT_EQ(*store->last_backup_success(), std::optional<std::int64_t>(1780000000));
  ASSERT_TRUE(store->record_backup_success(t1 + std::chrono::hours(24)).ok());  // replaces, does not add
  EXPECT_EQ(*store->last_backup_success(), std::optional<std::int64_t>(1780000000 + 86400));
  // Not a change: frontends and secondaries see nothing new.
  EXPECT_EQ(*store->latest_version(), version);

  store.reset();
  auto reopened = open_store();
  ASSERT_TRUE(reopened);
  EXPECT_EQ(*reopened->last_backup_success(), std::optional<std::int64_t>(1780000000 + 86400));
}

}  // namespace
}  // namespace mcns::control::store
