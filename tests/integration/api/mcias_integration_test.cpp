// MCIAS through the running control: the 30 s verdict cache, failing closed, and login /
// logout forwarding with service_name and tags (the fake MCIAS speaks HTTPS and the real
// protocol). Cache expiry with a moved clock is in services/control/auth/mcias_test.cpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <random>

#include "mcns/v1/zone.grpc.pb.h"

#include "common/base/strings.h"
#include "tests/integration/api/api_fixture.h"
#include "tests/integration/harness/grpc_client.h"
#include "tests/integration/harness/rest_client.h"

namespace mcns::test {
namespace {

class McIasIntegrationTest : public ApiTest {};

double metric(const std::string& text, const std::string& series) {
  for (std::string_view line : split(text, '\n'))
    if (line.starts_with(series + " ")) return std::stod(std::string(line.substr(series.size() + 1)));
  return -1;
}

TEST_F(McIasIntegrationTest, TwentyRequestsWithOneTokenCauseOneValidation) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(rest_->list_zones("tok-user").code, StatusCode::kOk);
    ASSERT_EQ(grpc_->list_zones("tok-user").code, StatusCode::kOk);
  }
  EXPECT_EQ(mcias_.validations_of("tok-user"), 1);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(rest_->list_zones("tok-nobody").code, StatusCode::kUnauthenticated);
  EXPECT_EQ(mcias_.validations_of("tok-nobody"), 1) << "invalid verdicts are cached too";
  auto text = plain_http_get(control_->metrics_port(), "/metrics");
  EXPECT_GE(metric(text, "mcns_auth_cache_hits_total"), 38);
}

TEST_F(McIasIntegrationTest, McIasDownFailsClosed) {
  ASSERT_EQ(rest_->list_zones("tok-user").code, StatusCode::kOk);  // cached from now on
  mcias_.stop();
  auto r = rest_->list_zones("tok-admin");
  EXPECT_EQ(r.http, 503);
  EXPECT_EQ(r.message, "authentication service unavailable");
  auto g = grpc_->list_zones("tok-admin");
  EXPECT_EQ(g.code, StatusCode::kUnavailable);
  EXPECT_EQ(g.message, r.message);
  EXPECT_EQ(rest_->list_zones("tok-user").code, StatusCode::kOk) << "a cached verdict still works";
  EXPECT_EQ(rest_->health("").code, StatusCode::kOk) << "health needs no MCIAS";
  auto login = rest_->login("alice", "pw");
  EXPECT_EQ(login.http, 503);
  EXPECT_EQ(grpc_->login("alice", "pw").code, StatusCode::kUnavailable);
  mcias_.restart();
  EXPECT_EQ(rest_->list_zones("tok-admin").code, StatusCode::kOk) << "UNAVAILABLE is not cached";
}

TEST_F(McIasIntegrationTest, LoginIsForwardedWithServiceNameAndTags) {
  mcias_.add_user("alice", {.password = "pw", .token = "tok-session"});
  mcias_.add_user("locked", {.password = "pw", .token = "x", .status = 403});
  mcias_.add_token("tok-session", {.username = "alice", .roles = {"user"}});
  for (ApiClient* api : both()) {
    SCOPED_TRACE(api->surface());
    auto ok = api->login("alice", "pw", "123456");
    ASSERT_EQ(ok.code, StatusCode::kOk) << ok.message;
    EXPECT_EQ(*ok.value, "tok-session");
    EXPECT_EQ(api->list_zones(*ok.value).code, StatusCode::kOk) << "the token works";
    auto wrong = api->login("alice", "nope");
    EXPECT_EQ(wrong.code, StatusCode::kUnauthenticated);
    auto locked = api->login("locked", "pw");
    EXPECT_EQ(locked.code, StatusCode::kPermissionDenied);
  }
  auto bodies = mcias_.login_bodies();
  ASSERT_EQ(bodies.size(), 6u);
  for (const auto& b : bodies) {
    auto j = nlohmann::json::parse(b);
    EXPECT_EQ(j["service_name"], "mcns");
    EXPECT_EQ(j["tags"], nlohmann::json({"env:test", "node:ci"}));
  }
  EXPECT_EQ(nlohmann::json::parse(bodies[0])["totp_code"], "123456");
  RestClient raw(control_->rest_url(), test_pki().ca_cert);
  EXPECT_EQ(raw.post("/v1/auth/login", {{"username", "alice"}, {"password", "nope"}}).status, 401);
  EXPECT_EQ(raw.post("/v1/auth/login", {{"username", "locked"}, {"password", "pw"}}).status, 403);
  EXPECT_EQ(control_->log_text().find("\"pw\""), std::string::npos);
}

TEST_F(McIasIntegrationTest, LogoutIsForwardedWithTheCallersToken) {
  mcias_.add_token("tok-a", {.username = "alice", .roles = {"user"}});
  mcias_.add_token("tok-b", {.username = "alice", .roles = {"user"}});
  auto r = rest_->logout("tok-a");
  EXPECT_EQ(r.http, 204) << r.message;
  EXPECT_EQ(grpc_->logout("tok-b").code, StatusCode::kOk);
  EXPECT_EQ(mcias_.logout_tokens(), (std::vector<std::string>{"tok-a", "tok-b"}));
}

TEST_F(McIasIntegrationTest, TokensNeverReachTheLog) {
  ASSERT_EQ(rest_->create_record("tok-agent", kZone, {"logged", "A", "10.5.0.1", std::nullopt}).code, StatusCode::kOk);
  ASSERT_EQ(grpc_->create_record("tok-metacrypt", kZone, {"mcr", "A", "10.5.0.2", std::nullopt}).code,
            StatusCode::kPermissionDenied);
  ASSERT_EQ(rest_->list_zones("tok-bad").code, StatusCode::kUnauthenticated);
  // The audit trail names the callers...
  EXPECT_TRUE(control_->wait_for_log("by mcp-agent"));
  EXPECT_TRUE(control_->wait_for_log("audit api=grpc user=metacrypt action=create_record"));
  // ...and never a token.
  std::string log = control_->log_text();
  for (const Caller& c : callers())
    if (*c.token) {
      EXPECT_EQ(log.find(c.token), std::string::npos) << c.token;
    }
}

// ---- hostile tokens and an MCIAS that does not decide (SPEC 16) ----

std::int64_t rss_kib(pid_t pid) {
  std::ifstream status(str_cat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("VmRSS:")) return std::stoll(line.substr(6));
  return -1;
}

TEST_F(McIasIntegrationTest, TokensThatAreNotEvenUtf8Are401WithoutAskingMcias) {
  RestClient raw(control_->rest_url(), test_pki().ca_cert);
  std::mt19937 rng(7);
  auto hostile = [&] {
    std::string t;
    int n = 8 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      // Bytes >= 0x80 (never valid UTF-8 in this order), and no CR/LF/NUL that would
      // end the header line.
      t.push_back(static_cast<char>(0x80 + rng() % 0x80));
    }
    return t;
  };
  for (int i = 0; i < 200; ++i) ASSERT_EQ(raw.get("/v1/zones", hostile()).status, 401);  // warm-up
  const int before_validations = mcias_.validations();
  const auto before_rss = rss_kib(control_->pid());
  ASSERT_GT(before_rss, 0);
  for (int i = 0; i < 2000; ++i) {
    auto r = raw.get("/v1/zones", hostile());
    ASSERT_EQ(r.status, 401) << i << " " << r.body;
    if (i == 0) {
      EXPECT_EQ(r.body, R"({"error":"malformed bearer token"})");
    }
  }
  EXPECT_EQ(mcias_.validations(), before_validations) << "MCIAS must never be asked";
  EXPECT_LE(rss_kib(control_->pid()) - before_rss, 1024) << "control memory grew with hostile tokens";
  // Not RFC 6750 syntax over gRPC either (gRPC carries only printable ASCII metadata).
  for (const char* bad : {"has space", "semi;colon", "quote\"d", "=leading"}) {
    auto g = grpc_->list_zones(bad);
    EXPECT_EQ(g.code, StatusCode::kUnauthenticated) << bad << ": " << g.message;
  }
  EXPECT_EQ(mcias_.validations(), before_validations);
  EXPECT_EQ(rest_->list_zones("tok-user").code, StatusCode::kOk) << "the server still works";
}

TEST_F(McIasIntegrationTest, AnMcias429Is503AndNeverCachedSoTheTokenWorksWhenMciasRecovers) {
  mcias_.set_validation_status(429);
  for (int i = 0; i < 5; ++i) {
    auto r = rest_->list_zones("tok-user");
    EXPECT_EQ(r.http, 503) << r.message;
    EXPECT_EQ(r.message, "authentication service unavailable");
    EXPECT_EQ(grpc_->list_zones("tok-user").code, StatusCode::kUnavailable);
  }
  for (int status : {408, 400}) {
    mcias_.set_validation_status(status);
    EXPECT_EQ(rest_->list_zones("tok-user").http, 503) << status;
  }
  mcias_.set_validation_status(200);
  EXPECT_EQ(rest_->list_zones("tok-user").code, StatusCode::kOk) << "no 30 s lock-out after an MCIAS hiccup";
  EXPECT_EQ(grpc_->list_zones("tok-user").code, StatusCode::kOk);
  // 401 from MCIAS is still a verdict.
  mcias_.set_validation_status(401);
  EXPECT_EQ(rest_->list_zones("tok-admin").http, 401);
  mcias_.set_validation_status(200);
}

TEST_F(McIasIntegrationTest, AGrpcRequestOver64KiBIsResourceExhaustedAndChangesNothing) {
  const auto before = records().size();
  RecordInput big{"huge", "TXT", std::string(100 * 1024, 'x'), 300};
  auto g = grpc_->create_record(kAdminToken, kZone, big);
  EXPECT_EQ(g.code, StatusCode::kResourceExhausted) << g.message;
  EXPECT_EQ(records().size(), before);
  // Just under the bound is decoded (and then refused by validation, not by size).
  RecordInput under{"big", "TXT", std::string(60 * 1024, 'x'), 300};
  EXPECT_NE(grpc_->create_record(kAdminToken, kZone, under).code, StatusCode::kResourceExhausted);
}

TEST_F(McIasIntegrationTest, SeveralAuthorizationValuesOnAGrpcCallAreRefused) {
  auto channel = tls_channel(control_->grpc_target(), test_pki().ca_cert);
  auto stub = mcns::v1::ZoneService::NewStub(channel);
  auto ctx = call_context("tok-admin");
  ctx->AddMetadata("authorization", "Bearer tok-guest");
  mcns::v1::ListZonesRequest req;
  mcns::v1::ListZonesResponse res;
  auto status = stub->ListZones(ctx.get(), req, &res);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_EQ(status.error_message(), "several authorization values");
}

}  // namespace
}  // namespace mcns::test
