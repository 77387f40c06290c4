#include "common/sqlite/migrations.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mcns::sqlite {
namespace {

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mcns-migrations-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto db = Db::open(dir_ + "/m.db");
    ASSERT_TRUE(db.ok());
    db_.emplace(std::move(db).value());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::vector<Migration> list() {
    return {
        {1, "create t", [this](Db& db) { ++runs_[0]; return db.exec("CREATE TABLE t (v INTEGER)"); }},
        {2, "seed t", [this](Db& db) { ++runs_[1]; return db.exec("INSERT INTO t VALUES (7)"); }},
    };
  }

  std::string dir_;
  std::optional<Db> db_;
  int runs_[2] = {0, 0};
};

TEST_F(MigrationsTest, AppliesInOrderOnceAndRecordsThem) {
  auto migrations = list();
  auto r = migrate(*db_, migrations);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->from_version, 0);
  EXPECT_EQ(r->to_version, 2);
  EXPECT_EQ(r->applied, (std::vector<int>{1, 2}));
  EXPECT_EQ(db_->query_int("SELECT count(*) FROM schema_migrations")->value_or(0), 2);

  auto before = dump(*db_);
  auto again = migrate(*db_, migrations);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->from_version, 2);
  EXPECT_EQ(*dump(*db_), *before);
  EXPECT_EQ(runs_[0], 1);
  EXPECT_EQ(runs_[1], 1);
}

TEST_F(MigrationsTest, UpgradesAnOlderSchemaInPlace) {
  auto migrations = list();
  ASSERT_TRUE(migrate(*db_, std::span(migrations).first(1)).ok());
  EXPECT_EQ(*schema_version(*db_), 1);
  EXPECT_EQ(db_->query_int("SELECT count(*) FROM t")->value_or(-1), 0);
  auto r = migrate(*db_, migrations);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, (std::vector<int>{2}));
  EXPECT_EQ(db_->query_int("SELECT v FROM t")->value_or(-1), 7);
}

TEST_F(MigrationsTest, FailingMigrationLeavesNothingBehind) {
  std::vector<Migration> migrations = {
      {1, "create t", [](Db& db) { return db.exec("CREATE TABLE t (v INTEGER)"); }},
      {2, "half done", [](Db& db) {
         Status s = db.exec("CREATE TABLE u (v INTEGER)");
         if (!s.ok()) return s;
         return db.exec("INSERT INTO nowhere VALUES (1)");
       }},
  };
  auto r = migrate(*db_, migrations);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("migration 2 (half done)"), std::string::npos) << r.status();
  EXPECT_EQ(*schema_version(*db_), 1);
  EXPECT_EQ(db_->query_int("SELECT count(*) FROM sqlite_master WHERE name = 'u'")->value_or(-1), 0);
  EXPECT_FALSE(db_->in_transaction());
}

TEST_F(MigrationsTest, RefusesNewerDatabaseAndBadLists) {
  auto migrations = list();
  ASSERT_TRUE(migrate(*db_, migrations).ok());
  auto older_binary = migrate(*db_, std::span(migrations).first(1));
  ASSERT_FALSE(older_binary.ok());
  EXPECT_EQ(older_binary.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(older_binary.status().message().find("schema version 2"), std::string::npos);

  std::vector<Migration> gap = {{2, "two", [](Db&) { return ok_status(); }}};
  EXPECT_EQ(migrate(*db_, gap).status().code(), StatusCode::kInternal);
}

TEST_F(MigrationsTest, FreshDatabaseHasVersionZero) {
  auto v = schema_version(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 0);
}

}  // namespace
}  // namespace mcns::sqlite
