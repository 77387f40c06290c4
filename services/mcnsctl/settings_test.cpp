#include "services/mcnsctl/settings.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace mcns::mcnsctl {
namespace {

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = std::filesystem::temp_directory_path() /
            ("mcnsctl-settings-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(home_ / ".config/mcns");
    env_["HOME"] = home_.string();
  }
  void TearDown() override { std::filesystem::remove_all(home_); }
  Getenv env() {
    return [this](const std::string& k) -> std::optional<std::string> {
      auto it = env_.find(k);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }
  void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

  std::filesystem::path home_;
  std::map<std::string, std::string> env_;
};

TEST_F(SettingsTest, DefaultsWithoutAnything) {
  auto s = resolve_settings({}, env());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->server, "localhost:9443");
  EXPECT_EQ(s->ca_cert, "");
  EXPECT_EQ(s->token, "");
  EXPECT_EQ(s->token_file, (home_ / ".config/mcns/token").string());
}

TEST_F(SettingsTest, FlagsBeatEnvironmentBeatsConfigFile) {
  write(home_ / ".config/mcns/mcnsctl.toml",
        "server = \"file:1\"\nca_cert = \"/file/ca.pem\"\ntoken_file = \"" + (home_ / "file-token").string() + "\"\n");
  write(home_ / "file-token", "tok-file\n");
  auto s = resolve_settings({}, env());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->server, "file:1");
  EXPECT_EQ(s->ca_cert, "/file/ca.pem");
  EXPECT_EQ(s->token, "tok-file");

  env_["MCNS_SERVER"] = "env:2";
  env_["MCNS_CA_CERT"] = "/env/ca.pem";
  env_["MCNS_TOKEN"] = "tok-env";
  s = resolve_settings({}, env());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->server, "env:2");
  EXPECT_EQ(s->ca_cert, "/env/ca.pem");
  EXPECT_EQ(s->token, "tok-env");
  EXPECT_TRUE(s->token_from_env);

  write(home_ / "flag-token", "  tok-flag \n");
  s = resolve_settings({"flag:3", (home_ / "flag-token").string(), "/flag/ca.pem"}, env());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->server, "flag:3");
  EXPECT_EQ(s->ca_cert, "/flag/ca.pem");
  EXPECT_EQ(s->token, "tok-flag") << "a token file named on the command line wins over MCNS_TOKEN";
  EXPECT_FALSE(s->token_from_env);
}

TEST_F(SettingsTest, TokenFileFromEnvironment) {
  write(home_ / "t", "tok-t");
  env_["MCNS_TOKEN_FILE"] = (home_ / "t").string();
  auto s = resolve_settings({}, env());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->token, "tok-t");
  EXPECT_EQ(s->token_file, (home_ / "t").string());
}

TEST_F(SettingsTest, BadConfigFileIsAnErrorNamingIt) {
  write(home_ / ".config/mcns/mcnsctl.toml", "server = \n");
  auto s = resolve_settings({}, env());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("mcnsctl.toml"), std::string::npos) << s.status();
}

}  // namespace
}  // namespace mcns::mcnsctl
