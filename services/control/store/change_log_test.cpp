#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "services/control/store/chain.h"
#include "services/control/store/store.h"
#include "services/control/store/store_fixture.h"
#include "services/control/store/test_support.h"

namespace mcns::control::store {
namespace {

using domain::Record;
using testing::dump_file;

TEST_F(StoreTest, VersionsIncreaseOnePerCommitAndNoneForRollback) {
  auto store = open_store();
  ASSERT_TRUE(store);
  auto v1 = add_host(*store, "mcp.metacircular.net", 1);
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(*v1, 1u);

  std::string before = dump_file(path_);
  auto failed = store->write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(auto zone, tx.find_zone("mcp.metacircular.net"));
    if (!zone) return not_found("zone");
    Record r{.zone_id = zone->id, .name = "gone", .type = "A", .value = "10.9.9.9", .ttl = 300};
    MCNS_RETURN_IF_ERROR(tx.insert_record(r).status());
    mcns::v1::Change change;
    change.add_ops()->set_zone_delete("x");
    MCNS_RETURN_IF_ERROR(tx.append_change("x", change, {}, {}).status());
    return aborted("changed my mind");
  });
  EXPECT_EQ(failed.status().code(), StatusCode::kAborted);
  EXPECT_EQ(dump_file(path_), before);
  EXPECT_EQ(*store->latest_version(), 1u);

  auto v2 = add_host(*store, "mcp.metacircular.net", 2);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(*v2, 2u);  // the rolled-back version was not used
  auto none = store->write([](WriteTx&) { return ok_status(); });
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
  EXPECT_EQ(*store->latest_version(), 2u);
}

TEST_F(StoreTest, OneChangeRowPerTransaction) {
  auto store = open_store();
  ASSERT_TRUE(store);
  mcns::v1::Change change;
  change.add_ops()->set_zone_delete("a");
  auto twice = store->write([&](WriteTx& tx) -> Status {
    MCNS_RETURN_IF_ERROR(tx.append_change("a", change, {}, {}).status());
    return tx.append_change("a", change, {}, {}).status();
  });
  EXPECT_EQ(twice.status().code(), StatusCode::kInternal);
  auto empty = store->write([&](WriteTx& tx) { return tx.append_change("a", mcns::v1::Change(), {}, {}).status(); });
  EXPECT_EQ(empty.status().code(), StatusCode::kInternal);
  EXPECT_EQ(*store->latest_version(), 0u);
}

TEST_F(StoreTest, ChangesAfterReturnsExactlyTheLaterOnes) {
  auto store = open_store();
  ASSERT_TRUE(store);
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(add_host(*store, "svc.mcp.metacircular.net", i).ok());

  auto all = store->changes_after(0, 100);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 10u);
  for (std::size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].version, i + 1);
    EXPECT_EQ((*all)[i].zone, "svc.mcp.metacircular.net");
    ASSERT_EQ((*all)[i].change.ops_size(), 1);
    EXPECT_EQ((*all)[i].change.ops(0).record_add().record().name(), str_cat("h", i + 1));
  }
  auto later = store->changes_after(7, 100);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 3u);
  EXPECT_EQ(later->front().version, 8u);
  EXPECT_EQ(later->back().version, 10u);
  auto limited = store->changes_after(2, 4);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 4u);
  EXPECT_EQ(limited->front().version, 3u);
  EXPECT_EQ(limited->back().version, 6u);
  EXPECT_TRUE(store->changes_after(10, 100)->empty());
  EXPECT_TRUE(store->changes_after(UINT64_MAX, 100)->empty());
}

TEST_F(StoreTest, CompactionKeepsTheLastNAndNeverReusesVersions) {
  auto store = open_store();
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->oldest_version(), 1u);  // empty log: latest + 1
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(add_host(*store, "mcp.metacircular.net", i).ok());
  EXPECT_EQ(*store->oldest_version(), 1u);

  auto deleted = store->compact_change_log(3);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 7u);
  EXPECT_EQ(*store->oldest_version(), 8u);
  EXPECT_EQ(*store->latest_version(), 10u);
  EXPECT_EQ(store->changes_after(0, 100)->size(), 3u);
  EXPECT_EQ(*store->compact_change_log(3), 0u);  // nothing more to do

  EXPECT_EQ(*store->compact_change_log(0), 3u);
  EXPECT_EQ(*store->latest_version(), 10u);
  EXPECT_EQ(*store->oldest_version(), 11u);  // nothing held: any watcher behind 10 needs a snapshot
  auto v = add_host(*store, "mcp.metacircular.net", 11);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 11u);
  EXPECT_EQ(*store->oldest_version(), 11u);
}

TEST_F(StoreTest, EveryVersionHasAChainValueThatFollowsThePreviousOne) {
  auto store = open_store();
  ASSERT_TRUE(store);
  auto genesis = store->chain_at(0);
  ASSERT_TRUE(genesis.ok() && genesis->has_value());
  std::uint64_t prev = **genesis;
  for (int i = 1; i <= 5; ++i) ASSERT_EQ(*add_host(*store, "mcp.metacircular.net", i), static_cast<std::uint64_t>(i));
  auto changes = store->changes_after(0, 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 5u);
  for (const auto& c : *changes) {
    std::string payload;
    ASSERT_TRUE(c.change.SerializeToString(&payload));
    EXPECT_EQ(c.chain, next_chain(prev, c.version, payload)) << c.version;
    EXPECT_EQ(*store->chain_at(c.version), std::optional<std::uint64_t>(c.chain));
    prev = c.chain;
  }
  EXPECT_EQ(*store->chain_at(6), std::nullopt);  // never had it
  auto snap = testing::read_snapshot(*store);
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->version, 5u);
  EXPECT_EQ(snap->chain, prev);
}

TEST_F(StoreTest, TheChainSurvivesCompaction) {
  auto store = open_store();
  ASSERT_TRUE(store);
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(add_host(*store, "mcp.metacircular.net", i).ok());
  auto at7 = *store->chain_at(7);
  auto at10 = *store->chain_at(10);
  ASSERT_EQ(*store->compact_change_log(3), 7u);
  // The newest compacted version still vouches for itself (a frontend at exactly 7
  // resumes without a snapshot); older ones cannot.
  EXPECT_EQ(*store->chain_at(7), at7);
  EXPECT_EQ(*store->chain_at(6), std::nullopt);
  EXPECT_EQ(*store->chain_at(10), at10);
  // Compacting everything, then writing: the next row follows the base.
  ASSERT_EQ(*store->compact_change_log(0), 3u);
  EXPECT_EQ(*store->chain_at(10), at10);
  ASSERT_EQ(*add_host(*store, "mcp.metacircular.net", 11), 11u);
  auto changes = store->changes_after(10, 1);
  ASSERT_TRUE(changes.ok() && changes->size() == 1u);
  std::string payload;
  ASSERT_TRUE(changes->front().change.SerializeToString(&payload));
  EXPECT_EQ(changes->front().chain, next_chain(*at10, 11, payload));
}

TEST_F(StoreTest, ACopyThatGoesItsOwnWayHasAnotherChainAtTheSameVersion) {
  auto store = open_store();
  ASSERT_TRUE(store);
  ASSERT_TRUE(add_host(*store, "mcp.metacircular.net", 1).ok());
  std::string copy_path = dir_.file("copy.db");
  ASSERT_TRUE(store->vacuum_into(copy_path).ok());
  ASSERT_TRUE(add_host(*store, "mcp.metacircular.net", 2).ok());
  auto copy = Store::open(copy_path);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(*(*copy)->chain_at(1), *store->chain_at(1));  // shared history
  ASSERT_TRUE(add_host(**copy, "mcp.metacircular.net", 3).ok());
  EXPECT_NE(*(*copy)->chain_at(2), *store->chain_at(2));   // same version, other change
  // Another database entirely: another genesis.
  auto other = Store::open(dir_.file("other.db"));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*(*other)->chain_at(0), *store->chain_at(0));
}

TEST_F(StoreTest, AnUpgradeChainsTheChangesAlreadyLogged) {
  {
    auto db = sqlite::Db::open(path_);
    ASSERT_TRUE(db.ok());
    auto list = migrations(clock_.as_clock());
    ASSERT_TRUE(sqlite::migrate(*db, std::span(list).first(2)).ok());
    mcns::v1::Change change;
    change.add_ops()->set_zone_delete("example.org");
    std::string payload;
    ASSERT_TRUE(change.SerializeToString(&payload));
    for (int i = 0; i < 3; ++i) {
      auto stmt = db->prepare("INSERT INTO change_log (zone, created_at, payload) VALUES ('x', '2026-01-01T00:00:00Z', ?)");
      ASSERT_TRUE(stmt.ok());
      ASSERT_TRUE(stmt->bind(sqlite::Blob{payload}).ok());
      ASSERT_TRUE(stmt->run().ok());
    }
    ASSERT_TRUE(db->exec("DELETE FROM change_log WHERE version = 1").ok());  // compacted before the upgrade
  }
  auto store = open_store();
  ASSERT_TRUE(store);
  auto base = *store->chain_at(1), at2 = *store->chain_at(2), at3 = *store->chain_at(3);
  ASSERT_TRUE(base && at2 && at3);
  auto changes = store->changes_after(1, 10);
  ASSERT_TRUE(changes.ok() && changes->size() == 2u);
  std::string payload;
  ASSERT_TRUE((*changes)[0].change.SerializeToString(&payload));
  EXPECT_EQ(*at2, next_chain(*base, 2, payload));
  EXPECT_EQ(*at3, next_chain(*at2, 3, payload));
  ASSERT_EQ(*add_host(*store, "mcp.metacircular.net", 1), 4u);
  EXPECT_TRUE(store->chain_at(4)->has_value());
}

TEST_F(StoreTest, AZonesJournalHoldsItsRowsAndTheRestores) {
  auto store = open_store();
  ASSERT_TRUE(store);
  ASSERT_EQ(*add_host(*store, "mcp.metacircular.net", 1), 1u);
  ASSERT_EQ(*add_host(*store, "svc.mcp.metacircular.net", 2), 2u);
  mcns::v1::Change restore;
  restore.add_ops()->set_zone_delete("gone.example");
  ASSERT_EQ(*store->write([&](WriteTx& tx) { return tx.append_change("*", restore, {}, {}).status(); }), 3u);
  ASSERT_EQ(*add_host(*store, "mcp.metacircular.net", 3), 4u);

  auto versions = [&](std::string_view zone) {
    std::vector<std::uint64_t> out;
    auto rows = store->zone_changes(zone);
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (rows.ok())
      for (const auto& r : *rows) out.push_back(r.version);
    return out;
  };
  EXPECT_EQ(versions("mcp.metacircular.net"), (std::vector<std::uint64_t>{1, 3, 4}));
  EXPECT_EQ(versions("svc.mcp.metacircular.net"), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(versions("other.example"), (std::vector<std::uint64_t>{3}));
}

TEST_F(StoreTest, HistoryKeepsAuthorsAndSerialsAndIsPrunedByAgeAlone) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const domain::Timestamp day1{std::chrono::sys_days{std::chrono::year{2026} / 11 / 1}};
  const domain::Timestamp day2 = day1 + std::chrono::hours(24);
  auto bump = [&](std::uint32_t serial, domain::Timestamp at, ChangeMeta meta) {
    mcns::v1::Change change;
    auto* zone = change.add_ops()->mutable_zone_upsert();
    zone->set_name("mcp.metacircular.net");
    zone->set_serial(serial);
    return store->write(
        [&](WriteTx& tx) { return tx.append_change("mcp.metacircular.net", change, at, meta).status(); });
  };
  ASSERT_EQ(*bump(2026110101, day1, {"alice", "rest"}), 1u);
  ASSERT_EQ(*bump(2026110201, day2, {"bob", "grpc"}), 2u);
  // A restore ("*") is in no zone's history.
  mcns::v1::Change restore;
  restore.add_ops()->set_zone_delete("gone.example");
  ASSERT_EQ(*store->write([&](WriteTx& tx) { return tx.append_change("*", restore, day2, {}).status(); }), 3u);

  auto history = [&](std::optional<std::uint32_t> after, std::optional<std::size_t> limit) {
    std::vector<HistoryEntry> out;
    EXPECT_TRUE(store->read([&](ReadTx& tx) -> Status {
      MCNS_ASSIGN_OR_RETURN(out, tx.zone_history("mcp.metacircular.net", after, limit));
      return ok_status();
    }).ok());
    return out;
  };
  auto all = history(std::nullopt, std::nullopt);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].version, 1u);
  EXPECT_EQ(all[0].serial, 2026110101u);
  EXPECT_EQ(all[0].user, "alice");
  EXPECT_EQ(all[0].via, "rest");
  EXPECT_EQ(all[0].created_at, day1);
  EXPECT_EQ(all[0].change.ops(0).zone_upsert().serial(), 2026110101u);
  EXPECT_EQ(all[1].version, 2u);
  EXPECT_EQ(all[1].user, "bob");
  EXPECT_EQ(all[1].via, "grpc");
  auto after = history(2026110101u, std::nullopt);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].version, 2u);
  auto first = history(std::nullopt, 1u);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].version, 1u);

  // Pruning by age removes alice's entry and leaves the change log alone.
  EXPECT_EQ(*store->prune_history(day1 + std::chrono::seconds(1)), 1u);
  auto left = history(std::nullopt, std::nullopt);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].user, "bob");
  EXPECT_EQ(store->changes_after(0, 10)->size(), 3u);
  EXPECT_EQ(*store->prune_history(day1), 0u);
}

}  // namespace
}  // namespace mcns::control::store
