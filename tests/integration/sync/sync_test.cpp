// The sync issue's "Must show" list with real processes: one mcns-control, real mcns-dns
// frontends following it over TLS, REST writes, answers checked with ldns.
#include <signal.h>

#include <filesystem>
#include <map>
#include <random>

#include "common/base/strings.h"
#include "tests/integration/sync/sync_fixture.h"

namespace mcns::test::sync {
namespace {

namespace fs = std::filesystem;

std::string fqdn(const std::string& name) { return str_cat(name, ".", SyncTest::kZone); }

TEST_F(SyncTest, CreateUpdateDeleteAreAnsweredByBothFrontends) {
  auto a = start_frontend();
  auto b = start_frontend();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(caught_up(*a) && caught_up(*b));
  for (auto* f : {a.get(), b.get()})
    EXPECT_EQ(ask(f->dns_port(), fqdn("metacrypt"), "A").rrs,
              (std::set<std::string>{"a 100.95.252.120", "a 192.168.88.181"}));

  auto created = create("deploy1", "A", "10.1.2.3");
  ASSERT_EQ(created.status, 201) << created.body;
  auto id = created.json()["ID"].get<std::int64_t>();
  for (auto* f : {a.get(), b.get()})
    EXPECT_TRUE(eventually([&] { return ask(f->dns_port(), fqdn("deploy1"), "A").rrs == std::set<std::string>{"a 10.1.2.3"}; }));

  auto updated = rest_->put(str_cat("/v1/zones/", kZone, "/records/", id),
                            {{"name", "deploy1"}, {"type", "A"}, {"value", "10.9.9.9"}, {"ttl", 60}}, admin_token_);
  ASSERT_EQ(updated.status, 200) << updated.body;
  for (auto* f : {a.get(), b.get()})
    EXPECT_TRUE(eventually([&] { return ask(f->dns_port(), fqdn("deploy1"), "A").rrs == std::set<std::string>{"a 10.9.9.9"}; }));

  auto deleted = rest_->del(str_cat("/v1/zones/", kZone, "/records/", id), admin_token_);
  ASSERT_EQ(deleted.status, 204) << deleted.body;
  for (auto* f : {a.get(), b.get()})
    EXPECT_TRUE(eventually([&] { return ask(f->dns_port(), fqdn("deploy1"), "A").rcode == 3; }));  // NXDOMAIN

  // The SOA serial the frontends serve moved with every change.
  auto soa = ask(a->dns_port(), kZone, "SOA");
  auto zone = rest_->get(str_cat("/v1/zones/", kZone), admin_token_).json();
  ASSERT_EQ(soa.rrs.size(), 1u);
  EXPECT_NE(soa.rrs.begin()->find(std::to_string(zone["Serial"].get<std::uint64_t>())), std::string::npos)
      << *soa.rrs.begin();
}

TEST_F(SyncTest, FrontendsServeTheirDataWhileTheControlIsKilledAndResyncAfterItsRestart) {
  auto a = start_frontend();
  auto b = start_frontend();
  ASSERT_TRUE(a && b);
  ASSERT_EQ(create("before-crash", "A", "10.0.0.1").status, 201);
  ASSERT_TRUE(caught_up(*a) && caught_up(*b));

  std::uint16_t rest_port = control_->rest_port(), grpc_port = control_->grpc_port();
  control_->stop(SIGKILL);
  for (auto* f : {a.get(), b.get()}) {
    std::string body;
    EXPECT_TRUE(eventually([&] {
      return http_status(f->metrics_port(), "/readyz", &body) == 200 && body.find("\"connected\":false") != std::string::npos;
    })) << body;
    // Stale, never empty: everything it had is still answered.
    EXPECT_EQ(ask(f->dns_port(), fqdn("before-crash"), "A").rrs, std::set<std::string>{"a 10.0.0.1"});
    EXPECT_EQ(ask(f->dns_port(), "rift.mcp.metacircular.net", "A").rcode, 0);
  }

  control_ = start_control(rest_port, grpc_port);
  ASSERT_TRUE(control_);
  rest_ = std::make_unique<RestClient>(control_->rest_url(), test_pki().ca_cert);
  ASSERT_EQ(create("after-restart", "A", "10.0.0.2").status, 201);
  for (auto* f : {a.get(), b.get()}) {
    EXPECT_TRUE(eventually([&] {
      return ask(f->dns_port(), fqdn("after-restart"), "A").rrs == std::set<std::string>{"a 10.0.0.2"};
    })) << f->log();
    EXPECT_TRUE(caught_up(*f));
  }
}

TEST_F(SyncTest, AFrontendStartedLateOrRestartedGetsEverything) {
  auto a = start_frontend();
  ASSERT_TRUE(a);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(create(str_cat("early", i), "A", str_cat("10.0.1.", i)).status, 201);
  auto late = start_frontend();
  ASSERT_TRUE(late);
  ASSERT_TRUE(caught_up(*late));
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(ask(late->dns_port(), fqdn(str_cat("early", i)), "A").rrs, std::set<std::string>{str_cat("a 10.0.1.", i)});

  // Restarted: a new process with nothing in memory catches up too.
  ASSERT_EQ(a->stop(), 0);
  a = start_frontend();
  ASSERT_TRUE(a);
  ASSERT_TRUE(caught_up(*a));
  EXPECT_EQ(ask(a->dns_port(), fqdn("early19"), "A").rrs, std::set<std::string>{"a 10.0.1.19"});
}

TEST_F(SyncTest, AFrontendWhoseAccountIsNotAllowedNeverBecomesReadyAndSaysWhy) {
  auto denied = start_frontend(other_token_);
  ASSERT_TRUE(denied);
  // It keeps trying; every attempt is refused and logged.
  ASSERT_TRUE(eventually([&] { return denied->log().find("PERMISSION_DENIED") != std::string::npos; })) << denied->log();
  ASSERT_TRUE(eventually([&] {
    auto log = denied->log();
    auto first = log.find("PERMISSION_DENIED");
    return log.find("PERMISSION_DENIED", first + 1) != std::string::npos;  // a second refused attempt
  }));
  EXPECT_NE(denied->log().find("metacrypt"), std::string::npos) << denied->log();
  EXPECT_EQ(http_status(denied->metrics_port(), "/readyz"), 503);
  EXPECT_EQ(ask(denied->dns_port(), fqdn("metacrypt"), "A").rcode, 5);  // REFUSED
}

TEST_F(SyncTest, AVersionGapTriggersAResync) {
  auto a = start_frontend();
  ASSERT_TRUE(a);
  ASSERT_EQ(create("gap-before", "A", "10.0.2.1").status, 201);
  ASSERT_TRUE(caught_up(*a));
  auto snapshots = [&] {
    std::size_t n = 0;
    for (std::size_t p = 0; (p = a->log().find("snapshot at version", p)) != std::string::npos; ++p) ++n;
    return n;
  };
  std::size_t before = snapshots();
  // Skip versions in the change log, as a lost or corrupted change would look: the
  // next commit gets a version several past the last one.
  std::string sql = "UPDATE sqlite_sequence SET seq = seq + 5 WHERE name = 'change_log';";
  std::string cmd = str_cat("sqlite3 ", dir_.file("mcns.db"), " \"", sql, "\"");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  ASSERT_EQ(create("gap-after", "A", "10.0.2.2").status, 201);
  EXPECT_TRUE(eventually([&] { return ask(a->dns_port(), fqdn("gap-after"), "A").rrs == std::set<std::string>{"a 10.0.2.2"}; }));
  EXPECT_TRUE(caught_up(*a));
  EXPECT_GT(snapshots(), before) << "the gap must be healed by a full resync\n" << a->log();
  EXPECT_EQ(ask(a->dns_port(), fqdn("gap-before"), "A").rrs, std::set<std::string>{"a 10.0.2.1"});
}

TEST_F(SyncTest, FiveHundredRandomMutationsEndWithBothFrontendsAnsweringWhatTheDatabaseHolds) {
  auto a = start_frontend();
  auto b = start_frontend();
  ASSERT_TRUE(a && b);
  unsigned seed = std::random_device{}();
  SCOPED_TRACE(str_cat("seed ", seed));
  std::mt19937 rng(seed);
  std::vector<std::string> names;
  for (int i = 0; i < 25; ++i) names.push_back(str_cat("r", i));
  const std::vector<std::string> types = {"A", "AAAA", "TXT", "CNAME"};
  auto value_for = [&](const std::string& type) -> std::string {
    int v = static_cast<int>(rng() % 200);
    if (type == "A") return str_cat("10.3.", v / 16, ".", v);
    if (type == "AAAA") return str_cat("fd00::", v + 1);
    if (type == "TXT") return str_cat("txt", v);
    return fqdn(names[rng() % names.size()]);
  };
  std::vector<std::int64_t> ids;
  int applied = 0;
  for (int i = 0; i < 500; ++i) {
    int op = static_cast<int>(rng() % 10);
    const std::string& name = names[rng() % names.size()];
    const std::string& type = types[rng() % types.size()];
    if (op < 5 || ids.empty()) {
      auto r = create(name, type, value_for(type), 60 + static_cast<int>(rng() % 600));
      if (r.status == 201) ids.push_back(r.json()["ID"].get<std::int64_t>());
      ASSERT_TRUE(r.status == 201 || r.status == 409) << r.status << " " << r.body;  // 409: CNAME rules, duplicates
      applied += r.status == 201;
    } else if (op < 8) {
      std::size_t k = rng() % ids.size();
      auto r = rest_->put(str_cat("/v1/zones/", kZone, "/records/", ids[k]),
                          {{"name", name}, {"type", type}, {"value", value_for(type)}, {"ttl", 120}}, admin_token_);
      ASSERT_TRUE(r.status == 200 || r.status == 409) << r.status << " " << r.body;
      applied += r.status == 200;
    } else {
      std::size_t k = rng() % ids.size();
      auto r = rest_->del(str_cat("/v1/zones/", kZone, "/records/", ids[k]), admin_token_);
      ASSERT_EQ(r.status, 204) << r.body;
      ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(k));
      ++applied;
    }
  }
  EXPECT_GT(applied, 300);
  ASSERT_TRUE(caught_up(*a) && caught_up(*b));

  // What the database holds, name by name and type by type.
  auto records = rest_->get(str_cat("/v1/zones/", kZone, "/records"), admin_token_).json()["records"];
  std::map<std::pair<std::string, std::string>, std::set<std::string>> want;
  for (const auto& r : records)
    want[{r["Name"].get<std::string>(), r["Type"].get<std::string>()}].insert(
        to_lower(str_cat(r["Type"].get<std::string>(), " ", r["Value"].get<std::string>())));
  int compared = 0;
  for (const auto& name : names) {
    for (const auto& type : types) {
      const auto& expected = want[{name, type}];
      for (auto* f : {a.get(), b.get()}) {
        auto got = ask(f->dns_port(), fqdn(name), type);
        EXPECT_EQ(got.rrs, expected) << name << " " << type << " on port " << f->dns_port();
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 200);
}

TEST_F(SyncTest, ASnapshotRestoredAfterTheDatabaseIsDestroyedIsServedAgain) {
  auto a = start_frontend();
  ASSERT_TRUE(a);
  ASSERT_EQ(create("kept", "A", "10.0.3.1").status, 201);
  std::string backup = dir_.file("backup.db");
  std::string cmd = str_cat(binary_path("mcns-control"), " snapshot --config ", control_->config_path(), " --out ",
                            backup, " 2>&1");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  ASSERT_EQ(create("lost", "A", "10.0.3.2").status, 201);
  ASSERT_TRUE(eventually([&] { return ask(a->dns_port(), fqdn("lost"), "A").rcode == 0; }));

  std::uint16_t rest_port = control_->rest_port(), grpc_port = control_->grpc_port();
  ASSERT_EQ(control_->stop(SIGTERM), 0);
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(dir_.file(str_cat("mcns.db", suffix)));
  fs::copy_file(backup, dir_.file("mcns.db"));
  control_ = start_control(rest_port, grpc_port);
  ASSERT_TRUE(control_);
  rest_ = std::make_unique<RestClient>(control_->rest_url(), test_pki().ca_cert);

  // The running frontend is ahead of the restored database: it takes a snapshot.
  EXPECT_TRUE(eventually([&] { return ask(a->dns_port(), fqdn("lost"), "A").rcode == 3; }));
  EXPECT_EQ(ask(a->dns_port(), fqdn("kept"), "A").rrs, std::set<std::string>{"a 10.0.3.1"});
  auto fresh = start_frontend();
  ASSERT_TRUE(fresh && caught_up(*fresh));
  EXPECT_EQ(ask(fresh->dns_port(), fqdn("kept"), "A").rrs, std::set<std::string>{"a 10.0.3.1"});
  EXPECT_EQ(ask(fresh->dns_port(), fqdn("metacrypt"), "A").rrs.size(), 2u);
  EXPECT_EQ(rest_->get(str_cat("/v1/zones/", kZone, "/records?name=kept"), admin_token_).json()["records"].size(), 1u);
}

}  // namespace
}  // namespace mcns::test::sync
