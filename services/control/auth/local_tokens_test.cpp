#include "services/control/auth/local_tokens.h"

#include <gtest/gtest.h>

#include "services/control/auth/sha256.h"
#include "tests/integration/harness/temp_dir.h"

namespace mcns::control::auth {
namespace {

std::string entry(const std::string& token, const std::string& user, const std::string& roles,
                  const std::string& account) {
  std::string out = "[[token]]\nsha256 = \"" + sha256_hex(token) + "\"\nusername = \"" + user + "\"\nroles = " + roles + "\n";
  if (!account.empty()) out += "account = \"" + account + "\"\n";
  return out;
}

TEST(LocalTokensTest, AuthenticatesByHash) {
  test::TempDir dir;
  auto path = dir.write("tokens.toml", entry("admin-secret", "admin", "[\"admin\"]", "human") +
                                           entry("dns-secret", "mcns-dns", "[]", "system") +
                                           entry("agent-secret", "mcp-agent", "[]", ""));
  auto a = LocalTokenAuthenticator::create(path);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ((*a)->size(), 3u);
  auto admin = (*a)->authenticate("admin-secret");
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->username, "admin");
  EXPECT_TRUE(admin->is_admin());
  EXPECT_FALSE(admin->is_system());
  EXPECT_TRUE((*a)->authenticate("dns-secret")->is_system());
  EXPECT_TRUE((*a)->authenticate("agent-secret")->is_system()) << "no account and no roles: a system account";
  EXPECT_EQ((*a)->authenticate("nope").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ((*a)->authenticate("").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ((*a)->authenticate(sha256_hex("admin-secret")).status().code(), StatusCode::kUnauthenticated)
      << "the hash itself is not a token";
}

TEST(LocalTokensTest, LoginIsUnimplementedAndLogoutIsANoOp) {
  test::TempDir dir;
  auto a = LocalTokenAuthenticator::create(dir.write("tokens.toml", ""));
  ASSERT_TRUE(a.ok()) << a.status();
  auto login = (*a)->login({"admin", "pw", ""});
  EXPECT_EQ(login.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(login.status().message().find("local-token mode"), std::string::npos);
  EXPECT_TRUE((*a)->logout("whatever").ok());
}

TEST(LocalTokensTest, RefusesAFileOthersCanRead) {
  test::TempDir dir;
  for (unsigned mode : {0644u, 0640u, 0604u, 0660u, 0602u}) {
    auto a = LocalTokenAuthenticator::create(dir.write("tokens.toml", entry("t", "u", "[]", ""), mode));
    ASSERT_FALSE(a.ok()) << std::oct << mode;
    EXPECT_EQ(a.status().code(), StatusCode::kPermissionDenied);
    EXPECT_NE(a.status().message().find("chmod 600"), std::string::npos) << a.status();
  }
  EXPECT_TRUE(LocalTokenAuthenticator::create(dir.write("tokens.toml", entry("t", "u", "[]", ""), 0400)).ok());
}

TEST(LocalTokensTest, ReportsBadEntries) {
  test::TempDir dir;
  struct Case {
    std::string content;
    std::string want;
  } cases[] = {
      {"[[token]]\nsha256 = \"abc\"\nusername = \"u\"\n", "sha256"},
      {"[[token]]\nsha256 = \"" + sha256_hex("x") + "\"\n", "username"},
      {"[[token]]\nsha256 = \"" + sha256_hex("x") + "\"\nusername = \"u\"\nroles = \"admin\"\n", "roles"},
      {"[[token]]\nsha256 = \"" + sha256_hex("x") + "\"\nusername = \"u\"\naccount = \"robot\"\n", "account"},
      {entry("x", "u", "[]", "") + entry("x", "v", "[]", ""), "duplicate"},
      {"this is not toml", "tokens.toml"},
  };
  for (const auto& c : cases) {
    auto a = LocalTokenAuthenticator::create(dir.write("tokens.toml", c.content));
    ASSERT_FALSE(a.ok()) << c.content;
    EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument) << c.content;
    EXPECT_NE(a.status().message().find(c.want), std::string::npos) << a.status();
  }
  EXPECT_EQ(LocalTokenAuthenticator::create(dir.file("missing.toml")).status().code(), StatusCode::kNotFound);
}

TEST(LocalTokensTest, ReloadSwapsTheTableAndKeepsItOnFailure) {
  test::TempDir dir;
  auto path = dir.write("tokens.toml", entry("one", "u1", "[]", ""));
  auto a = LocalTokenAuthenticator::create(path);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE((*a)->authenticate("one").ok());
  dir.write("tokens.toml", entry("two", "u2", "[]", ""));
  ASSERT_TRUE((*a)->reload().ok());
  EXPECT_FALSE((*a)->authenticate("one").ok());
  EXPECT_TRUE((*a)->authenticate("two").ok());
  dir.write("tokens.toml", "broken = [");
  EXPECT_FALSE((*a)->reload().ok());
  EXPECT_TRUE((*a)->authenticate("two").ok()) << "a failed reload keeps the previous tokens";
  dir.write("tokens.toml", entry("three", "u3", "[]", ""), 0644);
  EXPECT_EQ((*a)->reload().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE((*a)->authenticate("two").ok());
}

}  // namespace
}  // namespace mcns::control::auth
