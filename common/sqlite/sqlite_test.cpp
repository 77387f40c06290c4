#include "common/sqlite/sqlite.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace mcns::sqlite {
namespace {

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mcns-sqlite-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/test.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Db open_db() {
    auto db = Db::open(path_);
    EXPECT_TRUE(db.ok()) << db.status();
    return std::move(db).value();
  }

  std::string dir_, path_;
};

TEST_F(SqliteTest, BindStepAndColumns) {
  Db db = open_db();
  ASSERT_TRUE(db.exec("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n TEXT)").ok());
  auto ins = db.prepare("INSERT INTO t VALUES (?, ?, ?, ?)");
  ASSERT_TRUE(ins.ok()) << ins.status();
  std::string bytes("a\0b", 3);
  ASSERT_TRUE(ins->bind(std::uint32_t{4000000000u}, std::string("text"), Blob{bytes}, std::nullopt).ok());
  ASSERT_TRUE(ins->run().ok());
  EXPECT_EQ(db.last_insert_rowid(), 1);
  EXPECT_EQ(db.changes(), 1);

  auto sel = db.prepare("SELECT i, s, b, n FROM t");
  ASSERT_TRUE(sel.ok());
  auto row = sel->step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(sel->int64(0), 4000000000);
  EXPECT_EQ(sel->text(1), "text");
  EXPECT_EQ(sel->blob(2), bytes);
  EXPECT_TRUE(sel->is_null(3));
  row = sel->step();
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row);
}

TEST_F(SqliteTest, EmptyBlobIsNotNull) {
  Db db = open_db();
  ASSERT_TRUE(db.exec("CREATE TABLE t (b BLOB NOT NULL)").ok());
  auto ins = db.prepare("INSERT INTO t VALUES (?)");
  ASSERT_TRUE(ins.ok());
  ASSERT_TRUE(ins->bind(Blob{}).ok());
  EXPECT_TRUE(ins->run().ok());
}

TEST_F(SqliteTest, ConstraintErrorsMapToStatusCodes) {
  Db db = open_db();
  ASSERT_TRUE(db.exec("CREATE TABLE p (id INTEGER PRIMARY KEY);"
                      "CREATE TABLE t (v TEXT UNIQUE, n INTEGER CHECK (n > 0), p INTEGER REFERENCES p(id))")
                  .ok());
  ASSERT_TRUE(db.exec("INSERT INTO t (v, n) VALUES ('a', 1)").ok());
  EXPECT_EQ(db.exec("INSERT INTO t (v, n) VALUES ('a', 1)").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(db.exec("INSERT INTO t (v, n) VALUES ('b', 0)").code(), StatusCode::kFailedPrecondition);
  // foreign_keys is on by default.
  EXPECT_EQ(db.exec("INSERT INTO t (v, n, p) VALUES ('c', 1, 42)").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(db.exec("SELEKT 1").code(), StatusCode::kInternal);
}

TEST_F(SqliteTest, TransactionRollsBackUnlessCommitted) {
  Db db = open_db();
  ASSERT_TRUE(db.exec("CREATE TABLE t (v INTEGER)").ok());
  {
    auto tx = Transaction::begin(db, Transaction::Mode::kImmediate);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)").ok());
    EXPECT_TRUE(db.in_transaction());
  }  // destroyed without commit
  EXPECT_FALSE(db.in_transaction());
  EXPECT_EQ(db.query_int("SELECT count(*) FROM t")->value_or(-1), 0);
  {
    auto tx = Transaction::begin(db, Transaction::Mode::kDeferred);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (2)").ok());
    ASSERT_TRUE(tx->commit().ok());
    EXPECT_EQ(tx->commit().code(), StatusCode::kInternal);  // a second commit is a bug
  }
  EXPECT_EQ(db.query_int("SELECT sum(v) FROM t")->value_or(-1), 2);
}

TEST_F(SqliteTest, BusyIsUnavailable) {
  Db a = open_db();
  ASSERT_TRUE(a.exec("PRAGMA journal_mode = WAL").ok());
  ASSERT_TRUE(a.exec("CREATE TABLE t (v INTEGER)").ok());
  OpenOptions quick;
  quick.busy_timeout_ms = 10;
  auto b = Db::open(path_, quick);
  ASSERT_TRUE(b.ok());
  auto hold = Transaction::begin(a, Transaction::Mode::kImmediate);
  ASSERT_TRUE(hold.ok());
  auto second = Transaction::begin(*b, Transaction::Mode::kImmediate);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable) << second.status();
  EXPECT_NE(second.status().message().find("locked"), std::string::npos) << second.status();
}

TEST_F(SqliteTest, MissingFileWithoutCreateIsUnavailable) {
  OpenOptions no_create;
  no_create.create = false;
  auto db = Db::open(dir_ + "/missing.db", no_create);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/missing.db"));
}

TEST_F(SqliteTest, DumpShowsSchemaAndRowsAndChanges) {
  Db db = open_db();
  ASSERT_TRUE(db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT, b BLOB)").ok());
  ASSERT_TRUE(db.exec("INSERT INTO t (v, b) VALUES ('x', x'00ff'), (NULL, NULL)").ok());
  auto before = dump(db);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_NE(before->find("t: 1|x|x'00ff'"), std::string::npos) << *before;
  EXPECT_NE(before->find("t: 2|NULL|NULL"), std::string::npos) << *before;
  EXPECT_NE(before->find("sqlite_sequence: t|2"), std::string::npos) << *before;
  ASSERT_TRUE(db.exec("UPDATE t SET v = 'y' WHERE id = 1").ok());
  EXPECT_NE(*dump(db), *before);
}

}  // namespace
}  // namespace mcns::sqlite
