#include "services/control/auth/access.h"

#include <gtest/gtest.h>

#include "tests/integration/harness/fakes.h"

namespace mcns::control::auth {
namespace {

TEST(AccessTest, BearerTokenParsing) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer abc"), "abc");
  EXPECT_EQ(bearer_token("  BEARER   abc  "), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token("Bearerabc"), "");
  EXPECT_EQ(bearer_token(""), "");
}

struct AccessCase {
  const char* name;
  Access access;
  std::optional<std::string_view> header;
  StatusCode want;
  bool want_principal;
};

TEST(AccessTest, EdgeDecisions) {
  test::FakeAuthenticator authn;
  authn.add("admin-token", test::principal("root", {"admin"}));
  authn.add("user-token", test::principal("alice", {"user"}));
  const AccessCase cases[] = {
      {"public without token", Access::kPublic, std::nullopt, StatusCode::kOk, false},
      {"public ignores a bad token", Access::kPublic, "Bearer nope", StatusCode::kOk, false},
      {"auth without header", Access::kAuthenticated, std::nullopt, StatusCode::kUnauthenticated, false},
      {"auth with another scheme", Access::kAuthenticated, "Basic eA==", StatusCode::kUnauthenticated, false},
      {"auth with bad token", Access::kAuthenticated, "Bearer nope", StatusCode::kUnauthenticated, false},
      {"auth with good token", Access::kAuthenticated, "Bearer user-token", StatusCode::kOk, true},
      {"malformed token", Access::kAuthenticated, "Bearer a b", StatusCode::kUnauthenticated, false},
  };
  for (const auto& c : cases) {
    auto got = check_access(authn, c.access, c.header);
    EXPECT_EQ(got.ok() ? StatusCode::kOk : got.status().code(), c.want) << c.name;
    if (got.ok()) {
      EXPECT_EQ(got->has_value(), c.want_principal) << c.name;
    }
  }
  authn.unavailable = true;
  auto down = check_access(authn, Access::kAuthenticated, "Bearer user-token");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(check_access(authn, Access::kPublic, std::nullopt).ok()) << "health must work with MCIAS down";
}

}  // namespace
}  // namespace mcns::control::auth

namespace mcns::control::auth {
namespace {

TEST(BearerSyntaxTest, Rfc6750Token68Only) {
  for (const char* ok : {"abc", "A-Z.a_z~0+9/", "tok-admin", "YWJj==", "x="})
    EXPECT_TRUE(is_bearer_token_syntax(ok)) << ok;
  for (const char* bad : {"", "=", "==abc", "a b", "a=b", "tok\xff", "\xc3\xa9t\xc3\xa9", "semi;colon", "quote\""})
    EXPECT_FALSE(is_bearer_token_syntax(bad)) << bad;
}

}  // namespace
}  // namespace mcns::control::auth
