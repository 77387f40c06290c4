// The sync issue's "Must show" list with real processes: one mcns-control, real mcns-dns
// frontends following it over TLS, REST writes, answers checked with ldns.
#include <signal.h>

#include <filesystem>
#include <map>
#include <random>
#include <sstream>

#include "common/base/strings.h"
#include "tests/integration/harness/local_tokens.h"
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

// ---- one timeline: a restore never splits the fleet ----

// What the database says about each of `names` in the test zone: its A values (empty:
// absent), read through the REST API.
std::map<std::string, std::set<std::string>> database_view(RestClient& rest, const std::string& token,
                                                           const std::vector<std::string>& names) {
  std::map<std::string, std::set<std::string>> out;
  auto all = rest.get(str_cat("/v1/zones/", SyncTest::kZone, "/records?type=A"), token).json();
  for (const auto& n : names) out[n];
  for (const auto& r : all["records"]) {
    auto name = r["Name"].get<std::string>();
    if (out.count(name)) out[name].insert(str_cat("a ", r["Value"].get<std::string>()));
  }
  return out;
}

std::map<std::string, std::set<std::string>> frontend_view(const dns::DnsProcess& f,
                                                           const std::vector<std::string>& names) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& n : names) out[n] = ask(f.dns_port(), fqdn(n), "A").rrs;
  return out;
}

std::uint32_t served_serial(const dns::DnsProcess& f) {
  auto soa = ask(f.dns_port(), SyncTest::kZone, "SOA");
  if (soa.rrs.size() != 1) return 0;
  // "soa ns. admin. SERIAL ..."
  std::istringstream words(*soa.rrs.begin());
  std::string w;
  for (int i = 0; i < 4 && words >> w; ++i) {
  }
  return static_cast<std::uint32_t>(std::stoul(w));
}

// The drill of the restore bug: two frontends, a backup, two writes after it, the control
// stopped and the backup restored while one frontend is frozen (SIGSTOP), three new writes.
// Both frontends must end equal to the database: the two lost records gone, the three new
// ones there. `restore` puts the backup in place (the command, or a plain file copy).
struct Drill {
  // Frozen while its stream to the old control is still open (the control's drain then
  // waits for it), or only once the control is down.
  bool freeze_before_stop = true;
  std::unique_ptr<dns::DnsProcess> running, frozen;
  std::uint32_t serial_before = 0;  // served before the restore
};
void restore_drill(Drill& d, TempDir& dir, std::unique_ptr<ControlProcess>& control, std::unique_ptr<RestClient>& rest,
                   const std::string& admin, const std::function<bool(const std::string& backup)>& restore,
                   const std::function<std::unique_ptr<dns::DnsProcess>()>& start_frontend,
                   const std::function<bool()>& restart) {
  auto& running = d.running = start_frontend();
  auto& frozen = d.frozen = start_frontend();
  ASSERT_TRUE(running && frozen);
  auto create = [&](const std::string& name, const std::string& value) {
    return rest->post(str_cat("/v1/zones/", SyncTest::kZone, "/records"),
                      {{"name", name}, {"type", "A"}, {"value", value}, {"ttl", 300}}, admin)
        .status;
  };
  ASSERT_EQ(create("kept", "10.7.0.1"), 201);
  std::string backup = dir.file(str_cat("backup-", std::rand(), ".db"));
  std::string cmd = str_cat(binary_path("mcns-control"), " snapshot --config ", control->config_path(), " --out ",
                            backup, " 2>&1");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  ASSERT_EQ(create("lost1", "10.7.0.2"), 201);
  ASSERT_EQ(create("lost2", "10.7.0.3"), 201);
  for (auto* f : {running.get(), frozen.get()})
    ASSERT_TRUE(eventually([&] { return ask(f->dns_port(), fqdn("lost2"), "A").rcode == 0; }));
  d.serial_before = served_serial(*running);
  ASSERT_GT(d.serial_before, 0u);

  if (d.freeze_before_stop) ASSERT_TRUE(frozen->freeze());
  ASSERT_EQ(control->stop(SIGTERM), 0);
  if (!d.freeze_before_stop) ASSERT_TRUE(frozen->freeze());
  ASSERT_TRUE(restore(backup));
  ASSERT_TRUE(restart());
  ASSERT_EQ(create("new1", "10.7.1.1"), 201);
  ASSERT_EQ(create("new2", "10.7.1.2"), 201);
  ASSERT_EQ(create("new3", "10.7.1.3"), 201);
  ASSERT_EQ(::kill(frozen->pid(), SIGCONT), 0);

  const std::vector<std::string> names = {"kept", "lost1", "lost2", "new1", "new2", "new3"};
  auto truth = database_view(*rest, admin, names);
  EXPECT_EQ(truth["kept"], std::set<std::string>{"a 10.7.0.1"});
  EXPECT_TRUE(truth["lost1"].empty() && truth["lost2"].empty());
  EXPECT_EQ(truth["new3"], std::set<std::string>{"a 10.7.1.3"});
  for (auto* f : {running.get(), frozen.get()}) {
    EXPECT_TRUE(eventually([&] { return frontend_view(*f, names) == truth; }, 10s))
        << "frontend on port " << f->dns_port() << " serves another history\n"
        << f->log();
  }
}

TEST_F(SyncTest, RestoringABackupWithTheCommandNeverSplitsTheFleetAndMovesSerialsForward) {
  Drill drill;
  restore_drill(
      drill, dir_, control_, rest_, admin_token_,
      [&](const std::string& backup) {
        std::string cmd = str_cat(binary_path("mcns-control"), " restore --config ", control_->config_path(), " ",
                                  backup, " 2>&1");
        return std::system(cmd.c_str()) == 0;
      },
      [&] { return start_frontend(); }, [&] { return restart_control_on_same_ports(); });
  if (HasFatalFailure()) return;
  // Serials went forward past what was served before the restore (secondaries follow),
  // and versions continue: 3 changes before the stop, the restore's serial move, 3 after.
  for (auto* f : {drill.running.get(), drill.frozen.get()}) EXPECT_GT(served_serial(*f), drill.serial_before);
  EXPECT_EQ(metric(plain_http_get(control_->metrics_port(), "/metrics"), "mcns_store_version"), 7);
  // The replaced database is kept beside the restored one.
  bool kept = false;
  for (const auto& entry : fs::directory_iterator(dir_.path()))
    kept = kept || entry.path().filename().string().starts_with("mcns.db.before-restore-");
  EXPECT_TRUE(kept);
}

TEST_F(SyncTest, RestoringABackupByCopyingTheFileNeverSplitsTheFleet) {
  // The chain alone protects the frontends, even when an operator copies the file by hand.
  Drill drill;
  drill.freeze_before_stop = false;
  restore_drill(
      drill, dir_, control_, rest_, admin_token_,
      [&](const std::string& backup) {
        for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(dir_.file(str_cat("mcns.db", suffix)));
        fs::copy_file(backup, dir_.file("mcns.db"));
        return true;
      },
      [&] { return start_frontend(); }, [&] { return restart_control_on_same_ports(); });
}

TEST_F(SyncTest, AFrontendThatFollowedAnotherDatabaseConvergesOnANewOne) {
  auto f = start_frontend();
  ASSERT_TRUE(f);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(create(str_cat("old", i), "A", str_cat("10.8.0.", i)).status, 201);
  ASSERT_TRUE(caught_up(*f));
  ASSERT_EQ(control_->stop(SIGTERM), 0);
  ASSERT_TRUE(f->freeze());
  // Same ports, a brand-new database that reaches past the frontend's version with other
  // changes before the frontend comes back.
  ASSERT_TRUE(restart_control_on_same_ports(dir_.file("fresh.db")));
  for (int i = 0; i < 5; ++i) ASSERT_EQ(create(str_cat("new", i), "A", str_cat("10.8.1.", i)).status, 201);
  ASSERT_EQ(::kill(f->pid(), SIGCONT), 0);
  const std::vector<std::string> names = {"old0", "old1", "old2", "new0", "new4"};
  auto truth = database_view(*rest_, admin_token_, names);
  EXPECT_TRUE(truth["old0"].empty());
  EXPECT_EQ(truth["new4"], std::set<std::string>{"a 10.8.1.4"});
  EXPECT_TRUE(eventually([&] { return frontend_view(*f, names) == truth; }, 10s)) << f->log();
}

TEST_F(SyncTest, RestoreRefusesWhileTheServerRunsAndWithoutABackup) {
  std::string backup = dir_.file("b.db");
  std::string snap = str_cat(binary_path("mcns-control"), " snapshot --config ", control_->config_path(), " --out ",
                             backup, " >/dev/null 2>&1");
  ASSERT_EQ(std::system(snap.c_str()), 0);
  auto restore = [&](const std::string& file, std::string& out) {
    std::string cmd = str_cat(binary_path("mcns-control"), " restore --config ", control_->config_path(), " ", file,
                              " 2>&1");
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[512];
    out.clear();
    while (p && std::fgets(buf, sizeof buf, p)) out += buf;
    int status = p ? ::pclose(p) : -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string out;
  EXPECT_EQ(restore(backup, out), 1);
  EXPECT_NE(out.find("mcns-control server is running on"), std::string::npos) << out;
  EXPECT_EQ(restore(dir_.file("missing.db"), out), 2);
  EXPECT_NE(out.find("cannot read backup"), std::string::npos) << out;
  // Nothing changed: the server still answers from the same database.
  EXPECT_EQ(create("still-here", "A", "10.9.9.9").status, 201);
  // A second server on the same database is refused too.
  ControlOptions o;
  o.auth_mode = "local";
  o.local_tokens_file = dir_.file("tokens.toml");
  auto second = ControlProcess::launch(dir_, o);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->wait_exit(), 1);
  EXPECT_NE(second->log_text().find("another mcns-control server is using it"), std::string::npos)
      << second->log_text();
}

TEST_F(SyncTest, AnOrdinaryControlRestartSendsNoSnapshot) {
  auto a = start_frontend();
  auto b = start_frontend();
  ASSERT_TRUE(a && b);
  ASSERT_EQ(create("before-restart", "A", "10.9.0.1").status, 201);
  ASSERT_TRUE(caught_up(*a) && caught_up(*b));
  ASSERT_EQ(control_->stop(SIGTERM), 0);
  ASSERT_TRUE(restart_control_on_same_ports());
  ASSERT_EQ(create("after-restart", "A", "10.9.0.2").status, 201);
  for (auto* f : {a.get(), b.get()})
    EXPECT_TRUE(eventually([&] { return ask(f->dns_port(), fqdn("after-restart"), "A").rcode == 0; }));
  auto metrics = plain_http_get(control_->metrics_port(), "/metrics");
  EXPECT_EQ(metric(metrics, "mcns_watch_streams"), 2);
  EXPECT_EQ(metric(metrics, "mcns_watch_snapshots_total"), 0) << metrics;
}

TEST_F(SyncTest, AFrontendWhoseTokenIsRemovedLosesItsStreamAndKeepsServingStale) {
  auto f = start_frontend();
  ASSERT_TRUE(f);
  ASSERT_EQ(create("before-revoke", "A", "10.10.0.1").status, 201);
  ASSERT_TRUE(caught_up(*f));
  // The token file without the frontend's account, then SIGHUP.
  dir_.write("tokens.toml", admin_token_entry(admin_token_));
  const auto log_mark = control_->log_size();
  control_->send_signal(SIGHUP);
  ASSERT_TRUE(control_->wait_for_log("ending the stream of mcns-dns@", 10s, log_mark)) << control_->log_text();
  std::string body;
  EXPECT_TRUE(eventually([&] {
    return http_status(f->metrics_port(), "/readyz", &body) == 200 && body.find("\"connected\":false") != std::string::npos;
  })) << body;
  EXPECT_EQ(metric(plain_http_get(f->metrics_port(), "/metrics"), "mcns_sync_connected"), 0);
  // Stale, never empty.
  EXPECT_EQ(ask(f->dns_port(), fqdn("before-revoke"), "A").rrs, std::set<std::string>{"a 10.10.0.1"});
  // It keeps trying and is refused every time: two more refusals seen by the frontend.
  ASSERT_TRUE(eventually([&] {
    auto log = f->log();
    std::size_t n = 0;
    for (auto at = log.find("UNAUTHENTICATED"); at != std::string::npos; at = log.find("UNAUTHENTICATED", at + 1)) ++n;
    return n >= 3;
  })) << f->log();
  EXPECT_EQ(metric(plain_http_get(f->metrics_port(), "/metrics"), "mcns_sync_connected"), 0);
  EXPECT_EQ(metric(plain_http_get(control_->metrics_port(), "/metrics"), "mcns_watch_streams"), 0);
}

}  // namespace
}  // namespace mcns::test::sync
