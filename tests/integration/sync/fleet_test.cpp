// The fleet view of SPEC 14 with real processes: frontends report the version they
// applied (SyncService.Report) and GET /v1/frontends, AdminService.ListFrontends
// (mcnsctl frontends) and the control's metrics show it.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>

#include "common/base/strings.h"
#include "common/grpcutil/grpcutil.h"
#include "mcns/v1/sync.grpc.pb.h"
#include "tests/integration/sync/sync_fixture.h"

namespace mcns::test::sync {
namespace {

// The control's heartbeat interval (FeedOptions default): a frontend reports at least
// this often, and a killed one must be seen gone within it.
constexpr auto kHeartbeat = 5s;

class FleetTest : public SyncTest {
 protected:
  nlohmann::json frontends() {
    auto reply = rest_->get("/v1/frontends", admin_token_);
    EXPECT_EQ(reply.status, 200) << reply.body;
    auto body = reply.json();
    if (!body.is_object() || !body["frontends"].is_array()) return nlohmann::json::array();
    return body["frontends"];
  }
  // The connected entry named `name`, or null.
  static nlohmann::json connected(const nlohmann::json& list, const std::string& name) {
    for (const auto& f : list)
      if (f["Name"] == name && f["Connected"] == true) return f;
    return nullptr;
  }
  std::string control_metrics() { return plain_http_get(control_->metrics_port(), "/metrics"); }
  // Both frontends connected, reporting the control's version with no lag.
  bool listed_caught_up(const std::vector<std::string>& names) {
    return eventually([&] {
      auto list = frontends();
      std::uint64_t latest = control_version();
      for (const auto& n : names) {
        auto f = connected(list, n);
        if (f.is_null() || f["Reports"] != true || f["Version"] != latest || f["LagVersions"] != 0) return false;
      }
      return true;
    });
  }
};

TEST_F(FleetTest, BothFrontendsAreListedWithTheControlsVersionAndInTheMetrics) {
  auto a = start_frontend("", "fe-a");
  auto b = start_frontend("", "fe-b");
  ASSERT_TRUE(a && b);
  ASSERT_EQ(create("fleet1", "A", "10.1.2.3").status, 201);
  ASSERT_TRUE(caught_up(*a) && caught_up(*b));
  ASSERT_TRUE(listed_caught_up({"fe-a", "fe-b"})) << frontends().dump();

  std::uint64_t latest = control_version();
  auto list = frontends();
  for (const char* name : {"fe-a", "fe-b"}) {
    auto f = connected(list, name);
    ASSERT_FALSE(f.is_null()) << name;
    EXPECT_EQ(f["LagSeconds"], 0.0);
    EXPECT_FALSE(f["LastReport"].get<std::string>().empty());
    EXPECT_TRUE(f["ConnectedSince"].get<std::string>().ends_with("Z"));
    EXPECT_TRUE(f["Peer"].get<std::string>().starts_with("ipv")) << f["Peer"];
  }
  EXPECT_NE(connected(list, "fe-a")["Peer"], connected(list, "fe-b")["Peer"]);

  auto m = control_metrics();
  EXPECT_EQ(metric(m, "mcns_frontends_connected"), 2) << m;
  EXPECT_EQ(metric(m, "mcns_frontend_version{frontend=\"fe-a\"}"), static_cast<double>(latest)) << m;
  EXPECT_EQ(metric(m, "mcns_frontend_version{frontend=\"fe-b\"}"), static_cast<double>(latest)) << m;
  EXPECT_EQ(metric(m, "mcns_frontend_lag_versions{frontend=\"fe-a\"}"), 0) << m;

  // Readers only: no token, no list.
  EXPECT_EQ(rest_->get("/v1/frontends").status, 401);

  // The same through gRPC: mcnsctl frontends [-o json].
  auto mcnsctl = [&](const std::string& args) {
    std::string cmd = str_cat("MCNS_TOKEN=", admin_token_, " timeout 20 ", binary_path("mcnsctl"), " --server ",
                              control_->grpc_target(), " --ca-cert ", test_pki().ca_cert, " ", args);
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return std::string("popen failed");
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << args << ": " << out;
    return out;
  };
  std::string table = mcnsctl("frontends");
  EXPECT_TRUE(table.starts_with("NAME")) << table;
  EXPECT_NE(table.find("fe-a"), std::string::npos) << table;
  EXPECT_NE(table.find("fe-b"), std::string::npos) << table;
  std::string out = mcnsctl("frontends -o json");
  auto parsed = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << out;
  auto ctl_list = parsed["frontends"];
  for (const char* name : {"fe-a", "fe-b"}) {
    auto f = connected(ctl_list, name);
    ASSERT_FALSE(f.is_null()) << name << " not in " << out;
    EXPECT_EQ(f["Version"], latest);
    EXPECT_EQ(f["Reports"], true);
  }
}

TEST_F(FleetTest, AKilledFrontendIsDisconnectedAndAStoppedOneFallsBehind) {
  auto killed = start_frontend("", "fe-killed");
  auto stopped = start_frontend("", "fe-stopped");
  ASSERT_TRUE(killed && stopped);
  ASSERT_TRUE(caught_up(*killed) && caught_up(*stopped));
  ASSERT_TRUE(listed_caught_up({"fe-killed", "fe-stopped"})) << frontends().dump();

  ASSERT_EQ(::kill(killed->pid(), SIGKILL), 0);
  EXPECT_TRUE(eventually([&] { return connected(frontends(), "fe-killed").is_null(); }, kHeartbeat))
      << frontends().dump();
  EXPECT_TRUE(eventually([&] { return metric(control_metrics(), "mcns_frontends_connected") == 1; }, kHeartbeat));

  ASSERT_TRUE(stopped->freeze());  // stopped for certain before the write it must miss
  ASSERT_EQ(create("while-stopped", "A", "10.0.0.9").status, 201);
  std::uint64_t latest = control_version();
  nlohmann::json behind;
  ASSERT_TRUE(eventually([&] {
    behind = connected(frontends(), "fe-stopped");
    return !behind.is_null() && behind["LagVersions"].get<std::uint64_t>() >= 1;
  }, kHeartbeat)) << frontends().dump();
  EXPECT_EQ(behind["Version"].get<std::uint64_t>() + behind["LagVersions"].get<std::uint64_t>(), latest);
  std::string last_report = behind["LastReport"];
  // More than a heartbeat interval later: no report came, the lag kept growing.
  nlohmann::json later;
  ASSERT_TRUE(eventually([&] {
    later = connected(frontends(), "fe-stopped");
    return !later.is_null() && later["LagSeconds"].get<double>() > 6.0;
  }, 10s)) << frontends().dump();
  EXPECT_EQ(later["LastReport"], last_report);
  EXPECT_GE(later["LagVersions"].get<std::uint64_t>(), 1u);
  EXPECT_EQ(metric(control_metrics(), "mcns_frontend_lag_versions{frontend=\"fe-stopped\"}"),
            static_cast<double>(later["LagVersions"].get<std::uint64_t>()));

  // Woken up, it catches up and says so.
  ASSERT_EQ(::kill(stopped->pid(), SIGCONT), 0);
  EXPECT_TRUE(listed_caught_up({"fe-stopped"})) << frontends().dump();
}

TEST_F(FleetTest, AWatchStreamWithoutReportsIsListedAsNotReporting) {
  // A frontend of the previous release: SyncService.Watch only.
  auto creds = grpcutil::channel_credentials(test_pki().ca_cert);
  ASSERT_TRUE(creds.ok());
  auto channel = grpc::CreateChannel(control_->grpc_target(), *creds);
  auto stub = mcns::v1::SyncService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", str_cat("Bearer ", dns_token_));
  mcns::v1::WatchRequest request;
  request.set_frontend("old-release");
  auto reader = stub->Watch(&ctx, request);
  mcns::v1::WatchEvent event;
  ASSERT_TRUE(reader->Read(&event));  // the stream is up: the snapshot's first chunk
  EXPECT_TRUE(event.has_snapshot());

  nlohmann::json old;
  ASSERT_TRUE(eventually([&] {
    old = connected(frontends(), "old-release");
    return !old.is_null();
  }, 5s)) << frontends().dump();
  EXPECT_EQ(old["Reports"], false);
  EXPECT_EQ(old["LastReport"], "");
  EXPECT_EQ(metric(control_metrics(), "mcns_frontends_connected"), 1);
  EXPECT_EQ(metric(control_metrics(), "mcns_frontend_version{frontend=\"old-release\"}"), -1)
      << "a frontend that does not report has no version series";

  // Beside it, a current frontend reports.
  auto current = start_frontend("", "fe-current");
  ASSERT_TRUE(current && caught_up(*current));
  EXPECT_TRUE(listed_caught_up({"fe-current"})) << frontends().dump();

  ctx.TryCancel();
  while (reader->Read(&event)) {
  }
  reader->Finish();
  EXPECT_TRUE(eventually([&] { return connected(frontends(), "old-release").is_null(); }, kHeartbeat))
      << frontends().dump();
  // Kept for 60 s as disconnected (write-and-wait looks back that far).
  bool kept = false;
  for (const auto& f : frontends())
    if (f["Name"] == "old-release" && f["Connected"] == false) kept = true;
  EXPECT_TRUE(kept) << frontends().dump();
}

}  // namespace
}  // namespace mcns::test::sync
