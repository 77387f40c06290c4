// migrate, snapshot and import: through the functions, and once through the built binary.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/strings.h"
#include "services/control/app/commands.h"
#include "services/control/store/store.h"
#include "services/control/store/test_support.h"

namespace mcns::control::app {
namespace {

using testing::dump_file;
using testing::TempDir;

constexpr const char* kGoodZone = R"($ORIGIN example.com.
$TTL 600
@    IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 900 1209600 60
@    IN NS  ns1
ns1  IN A   192.0.2.1
www  IN A   192.0.2.10
www  IN AAAA 2001:db8::10
)";

void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class StoreCommandsTest : public ::testing::Test {
 protected:
  StoreCommandsTest() { config_.database.path = dir_.file("mcns.db"); }

  std::size_t count(std::string_view sql) {
    auto db = sqlite::Db::open(config_.database.path, {.create = false});
    if (!db.ok()) return 999999;
    auto n = db->query_int(sql);
    return n.ok() && *n ? static_cast<std::size_t>(**n) : 999999;
  }

  TempDir dir_;
  config::ControlConfig config_;
};

TEST_F(StoreCommandsTest, MigrateCreatesTheSeedAndIsIdempotent) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_migrate(config_), 0);
  EXPECT_NE(::testing::internal::GetCapturedStdout().find("migrated from schema version 0 to 4"), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM zones"), 2u);
  EXPECT_EQ(count("SELECT count(*) FROM records"), 14u);
  std::string before = dump_file(config_.database.path);
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_migrate(config_), 0);
  EXPECT_NE(::testing::internal::GetCapturedStdout().find("up to date (schema version 4)"), std::string::npos);
  EXPECT_EQ(dump_file(config_.database.path), before);
}

TEST_F(StoreCommandsTest, MigrateFailsWhenTheDirectoryIsMissing) {
  config_.database.path = dir_.file("no/such/dir/mcns.db");
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_migrate(config_), 2);  // a configuration the operator must fix (SPEC section 3)
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("mcns-control migrate: database directory"), std::string::npos) << err;
  EXPECT_NE(err.find("does not exist"), std::string::npos) << err;
}

TEST_F(StoreCommandsTest, SnapshotCopiesAndRefusesToOverwrite) {
  ASSERT_EQ(run_migrate(config_), 0);
  std::string out = dir_.file("copy.db");
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(run_snapshot(config_, out), 0);
  ::testing::internal::GetCapturedStdout();
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // The copy holds the same data (schema_migrations included).
  auto copy = store::Store::open(out, {.migrate = false, .create = false});
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(testing::read_snapshot(**copy)->zones.size(), 2u);
  EXPECT_EQ(*(*copy)->schema_version(), 4);
  copy->reset();

  const std::string copy_bytes = read_all(out);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_snapshot(config_, out), 1);
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("refusing to overwrite existing file"), std::string::npos);
  EXPECT_EQ(read_all(out), copy_bytes);
}

TEST_F(StoreCommandsTest, SnapshotDefaultPathAndMissingDatabase) {
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_snapshot(config_, std::nullopt), 2);  // no database yet: the operator must fix it
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("does not exist"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(config_.database.path));

  ASSERT_EQ(run_migrate(config_), 0);
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(run_snapshot(config_, std::nullopt), 0);
  ::testing::internal::GetCapturedStdout();
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir_.file("backups"))) names.push_back(e.path().filename());
  ASSERT_EQ(names.size(), 1u);
  // mcns-20261129T091034Z.db
  EXPECT_TRUE(names[0].starts_with("mcns-2")) << names[0];
  EXPECT_TRUE(names[0].ends_with("Z.db")) << names[0];
  EXPECT_EQ(names[0].size(), std::string("mcns-20261129T091034Z.db").size()) << names[0];
  EXPECT_EQ(names[0][13], 'T');
}

TEST_F(StoreCommandsTest, ImportLoadsAZoneInOneChange) {
  ASSERT_EQ(run_migrate(config_), 0);
  std::string file = dir_.file("example.zone");
  write_file(file, kGoodZone);
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(run_import(config_, "Example.com", file), 0);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("zone example.com created"), std::string::npos) << out;
  EXPECT_NE(out.find("4 added"), std::string::npos) << out;
  EXPECT_EQ(count("SELECT count(*) FROM change_log"), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM records r JOIN zones z ON z.id = r.zone_id WHERE z.name = 'example.com'"), 4u);
  EXPECT_EQ(count("SELECT refresh FROM zones WHERE name = 'example.com'"), 7200u);
  EXPECT_EQ(count("SELECT ttl FROM records WHERE name = 'www' AND type = 'AAAA'"), 600u);

  // Importing the same file again changes nothing.
  std::string before = dump_file(config_.database.path);
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(run_import(config_, "example.com", file), 0);
  EXPECT_NE(::testing::internal::GetCapturedStdout().find("nothing changed"), std::string::npos);
  EXPECT_EQ(dump_file(config_.database.path), before);
}

TEST_F(StoreCommandsTest, BadImportsChangeNothing) {
  ASSERT_EQ(run_migrate(config_), 0);
  std::string file = dir_.file("bad.zone");
  const std::string before = dump_file(config_.database.path);
  struct Case {
    std::string text;
    int want_code;
    std::string want_message;
  } cases[] = {
      {std::string(kGoodZone) + "bad name IN A 192.0.2.1\n", 1, "bad.zone: line 8: "},
      {std::string(kGoodZone) + "mail IN A 192.0.2.300\n", 1, "bad.zone: line 8: "},
      {std::string(kGoodZone) + "www IN CNAME elsewhere.example.net.\n", 1, "CNAME conflict"},
      {std::string(kGoodZone) + "big 0 IN A 192.0.2.1\n", 1, "line 8: invalid TTL 0"},
      {"www 300 IN A 192.0.2.1\n", 1, "no SOA record"},
  };
  for (const Case& c : cases) {
    write_file(file, c.text);
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(run_import(config_, "example.com", file), c.want_code);
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find(c.want_message), std::string::npos) << err;
    EXPECT_EQ(err.find('\n'), err.size() - 1) << "one line: " << err;
  }
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_import(config_, "example.com", dir_.file("missing.zone")), 2);
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("cannot read zone file"), std::string::npos);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_import(config_, "bad zone!", file), 2);
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("invalid zone name"), std::string::npos);
  EXPECT_EQ(dump_file(config_.database.path), before);
}

// ---- the built binary ----

struct ProcessResult {
  int code = -1;
  std::string out, err;
};

class BinaryTest : public StoreCommandsTest {
 protected:
  void SetUp() override {
    const char* bin_dir = std::getenv("MCNS_BIN_DIR");
    if (!bin_dir) GTEST_SKIP() << "MCNS_BIN_DIR is not set (run through ctest)";
    binary_ = std::string(bin_dir) + "/mcns-control";
    ASSERT_TRUE(std::filesystem::exists(binary_)) << binary_;
    config_path_ = dir_.file("mcns-control.toml");
    write_file(config_path_, str_cat("[server]\ntls_cert = \"", dir_.file("cert.pem"), "\"\ntls_key = \"",
                                     dir_.file("key.pem"), "\"\n[database]\npath = \"", config_.database.path,
                                     "\"\n[auth]\nmode = \"local\"\nlocal_tokens_file = \"", dir_.file("tokens.toml"),
                                     "\"\n[log]\nlevel = \"warn\"\n"));
  }

  ProcessResult run(const std::string& args) {
    ProcessResult r;
    std::string out = dir_.file("stdout"), err = dir_.file("stderr");
    int status = std::system(str_cat(binary_, " ", args, " >", out, " 2>", err).c_str());
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_all(out);
    r.err = read_all(err);
    return r;
  }

  std::string binary_, config_path_;
};

TEST_F(BinaryTest, MigrateImportSnapshot) {
  ProcessResult m = run("migrate --config " + config_path_);
  ASSERT_EQ(m.code, 0) << m.err;
  EXPECT_NE(m.out.find("migrated from schema version 0 to 4"), std::string::npos) << m.out;

  std::string zone = dir_.file("example.zone");
  write_file(zone, kGoodZone);
  ProcessResult i = run(str_cat("import --config ", config_path_, " --zone example.com ", zone));
  ASSERT_EQ(i.code, 0) << i.err;
  EXPECT_NE(i.out.find("zone example.com created"), std::string::npos) << i.out;

  write_file(dir_.file("bad.zone"), std::string(kGoodZone) + "oops IN A not-an-address\n");
  std::string before = dump_file(config_.database.path);
  ProcessResult bad = run(str_cat("import --config ", config_path_, " --zone example.com ", dir_.file("bad.zone")));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("line 8"), std::string::npos) << bad.err;
  EXPECT_EQ(dump_file(config_.database.path), before);

  ProcessResult usage = run(str_cat("import --config ", config_path_, " ", zone));  // no --zone
  EXPECT_EQ(usage.code, 2);

  std::string copy = dir_.file("copy.db");
  ProcessResult s = run(str_cat("snapshot --config ", config_path_, " --out ", copy));
  ASSERT_EQ(s.code, 0) << s.err;
  auto restored = store::Store::open(copy, {.migrate = false, .create = false});
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(testing::read_snapshot(**restored)->zones.size(), 3u);
  EXPECT_EQ(*(*restored)->latest_version(), 1u);
  ProcessResult again = run(str_cat("snapshot --config ", config_path_, " --out ", copy));
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("refusing to overwrite"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace mcns::control::app
