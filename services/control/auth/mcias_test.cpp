// The MCIAS client against a fake MCIAS that speaks the real protocol over HTTPS with a
// certificate from a private CA (tests/integration/harness).
#include "services/control/auth/mcias.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

#include "tests/integration/harness/fake_mcias.h"
#include "tests/integration/harness/pki.h"

namespace mcns::control::auth {
namespace {

using namespace std::chrono;

class MciasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mcias_.add_token("admin-token", {.username = "root", .roles = {"admin"}});
    mcias_.add_token("user-token", {.username = "alice", .roles = {"user"}});
    mcias_.add_token("system-token", {.username = "mcp-agent", .roles = {}});
    mcias_.add_token("typed-token", {.username = "svc", .roles = {"reader"}, .account_type = "system"});
    mcias_.add_token("old-token", {.username = "bob", .roles = {"user"}, .expires_at = "2001-01-01T00:00:00Z"});
    mcias_.add_user("alice", {.password = "pw", .token = "fresh-token"});
    mcias_.add_user("locked", {.password = "pw", .token = "x", .status = 403});
  }

  std::unique_ptr<MciasAuthenticator> make(std::string url = "", std::string ca = "") {
    MciasOptions o;
    o.server_url = url.empty() ? mcias_.url() : url;
    o.ca_cert = ca.empty() ? test::test_pki().ca_cert : ca;
    o.service_name = "mcns-test";
    o.tags = {"env:test", "node:rift"};
    o.timeout = seconds(5);
    o.clock = [this] { return now_; };
    o.hooks.on_cache_hit = [this] { ++hits_; };
    auto a = MciasAuthenticator::create(std::move(o));
    EXPECT_TRUE(a.ok()) << a.status();
    return std::move(*a);
  }

  test::FakeMcias mcias_;
  steady_clock::time_point now_ = steady_clock::now();
  int hits_ = 0;
};

TEST_F(MciasTest, ValidatesTokensIntoPrincipals) {
  auto a = make();
  auto admin = a->authenticate("admin-token");
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->username, "root");
  EXPECT_EQ(admin->subject, "uuid-root");
  EXPECT_TRUE(admin->is_admin());
  EXPECT_FALSE(admin->is_system());
  EXPECT_TRUE(a->authenticate("system-token")->is_system()) << "no roles: a system account";
  EXPECT_TRUE(a->authenticate("typed-token")->is_system()) << "account_type system wins over roles";
  EXPECT_FALSE(a->authenticate("user-token")->is_system());
  EXPECT_EQ(a->authenticate("nope").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(a->authenticate("old-token").status().code(), StatusCode::kUnauthenticated) << "expired";
  EXPECT_EQ(a->authenticate("").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(MciasTest, TwentyRequestsCauseOneValidation) {
  auto a = make();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(a->authenticate("user-token").ok());
  EXPECT_EQ(mcias_.validations_of("user-token"), 1);
  EXPECT_EQ(hits_, 19);
  for (int i = 0; i < 20; ++i) ASSERT_FALSE(a->authenticate("bad-token").ok());
  EXPECT_EQ(mcias_.validations_of("bad-token"), 1) << "invalid verdicts are cached too";
}

TEST_F(MciasTest, ConcurrentRequestsShareOneValidation) {
  auto a = make();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] { ok += a->authenticate("admin-token").ok() ? 1 : 0; });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 16);
  EXPECT_EQ(mcias_.validations_of("admin-token"), 1);
}

TEST_F(MciasTest, AnExpiredCacheEntryIsValidatedAgain) {
  auto a = make();
  ASSERT_TRUE(a->authenticate("user-token").ok());
  now_ += seconds(29);
  ASSERT_TRUE(a->authenticate("user-token").ok());
  EXPECT_EQ(mcias_.validations_of("user-token"), 1);
  now_ += seconds(1);
  ASSERT_TRUE(a->authenticate("user-token").ok());
  EXPECT_EQ(mcias_.validations_of("user-token"), 2);
}

TEST_F(MciasTest, FailsClosedWhenMciasIsDown) {
  auto a = make();
  ASSERT_TRUE(a->authenticate("user-token").ok());
  mcias_.stop();
  EXPECT_TRUE(a->authenticate("user-token").ok()) << "a cached verdict keeps working";
  auto uncached = a->authenticate("admin-token");
  ASSERT_FALSE(uncached.ok());
  EXPECT_EQ(uncached.status().code(), StatusCode::kUnavailable);
  mcias_.restart();
  EXPECT_TRUE(a->authenticate("admin-token").ok()) << "UNAVAILABLE was not cached";
}

TEST_F(MciasTest, VerifiesTheCertificateChainAndTheHostName) {
  auto wrong_ca = make("", test::test_pki().other_ca_cert);
  EXPECT_EQ(wrong_ca->authenticate("user-token").status().code(), StatusCode::kUnavailable);
  test::FakeMcias misnamed("127.0.0.2");  // its certificate names localhost and 127.0.0.1 only
  misnamed.add_token("user-token", {.username = "alice", .roles = {"user"}});
  auto a = make(misnamed.url());
  EXPECT_EQ(a->authenticate("user-token").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(misnamed.validations(), 0) << "no request may be sent over an unverified connection";
}

TEST_F(MciasTest, LoginForwardsServiceNameAndTags) {
  auto a = make();
  auto ok = a->login({"alice", "pw", "123456"});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->token, "fresh-token");
  EXPECT_EQ(ok->expires_at, "2099-01-01T00:00:00Z");
  ASSERT_TRUE(ok->expires_at_time.has_value());
  auto bodies = mcias_.login_bodies();
  ASSERT_EQ(bodies.size(), 1u);
  auto body = nlohmann::json::parse(bodies[0]);
  EXPECT_EQ(body["username"], "alice");
  EXPECT_EQ(body["password"], "pw");
  EXPECT_EQ(body["totp_code"], "123456");
  EXPECT_EQ(body["service_name"], "mcns-test");
  EXPECT_EQ(body["tags"], nlohmann::json({"env:test", "node:rift"}));

  EXPECT_EQ(a->login({"alice", "wrong", ""}).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(a->login({"locked", "pw", ""}).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(a->login({"", "pw", ""}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(nlohmann::json::parse(mcias_.login_bodies()[1]).contains("totp_code"));
  mcias_.stop();
  EXPECT_EQ(a->login({"alice", "pw", ""}).status().code(), StatusCode::kUnavailable);
}

TEST_F(MciasTest, LogoutIsForwardedAndEndsTheCachedSession) {
  auto a = make();
  ASSERT_TRUE(a->authenticate("user-token").ok());
  ASSERT_TRUE(a->logout("user-token").ok());
  EXPECT_EQ(mcias_.logout_tokens(), std::vector<std::string>{"user-token"});
  EXPECT_EQ(a->authenticate("user-token").status().code(), StatusCode::kUnauthenticated);
}

TEST(MciasConfigTest, RejectsBadUrls) {
  for (const char* url : {"", "http://mcias:8443", "https://", "https://host:99999", "https://host:0"}) {
    MciasOptions o;
    o.server_url = url;
    EXPECT_FALSE(MciasAuthenticator::create(o).ok()) << url;
  }
  auto u = parse_https_url("https://[::1]:8443/base/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->base_path, "/base");
  EXPECT_EQ(parse_https_url("https://mcias.example")->port, 443);
}

}  // namespace
}  // namespace mcns::control::auth
