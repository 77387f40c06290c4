#include "common/config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace mcns::config {
namespace {

// The environment `load_*` sees, without touching the process's.
Environment fixed_environment(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class ConfigTest : public testing::Test {
 protected:
  std::string write(const std::string& text) {
    auto path = std::filesystem::path(testing::TempDir()) /
                (std::string(testing::UnitTest::GetInstance()->current_test_info()->name()) + ".toml");
    std::ofstream(path) << text;
    return path.string();
  }
  static constexpr const char* kControl = R"(
[server]
listen_addr = ":8443"
grpc_addr   = ":9443"
tls_cert    = "/c.pem"
tls_key     = "/k.pem"
[database]
path = "/srv/mcns/mcns.db"
[mcias]
server_url = "https://mcias.example:8443"
tags = ["a", "b"]
[auth]
mode = "mcias"
record_admins = ["mcp-agent"]
[sync]
allowed_accounts = ["mcns-dns"]
[log]
level = "info"
)";
  static constexpr const char* kDns = R"(
[dns]
listen = ["127.0.0.1:10053"]
threads = 2
[control]
grpc_addr  = "127.0.0.1:9443"
ca_cert    = "/ca.pem"
token_file = "/token"
[forward]
upstreams = ["127.0.0.1:5300", "::1"]
allow = ["127.0.0.0/8", "::1/128"]
max_ttl = 60
)";
};

TEST_F(ConfigTest, LoadsControlFileWithDefaults) {
  auto c = load_control(write(kControl), fixed_environment({}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server.listen_addr, ":8443");
  EXPECT_EQ(c->server.tls_cert, "/c.pem");
  EXPECT_EQ(c->mcias.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c->mcias.service_name, "mcns");
  EXPECT_EQ(c->metrics.listen_addr, "127.0.0.1:9154");
}

TEST_F(ConfigTest, EnvironmentOverridesFileAndSplitsLists) {
  auto c = load_control(write(kControl), fixed_environment({{"MCNS_SERVER_TLS_CERT", "/other.pem"},
                                                           {"MCNS_AUTH_RECORD_ADMINS", "mcp-agent, deployer"},
                                                           {"MCNS_LOG_LEVEL", "debug"}}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server.tls_cert, "/other.pem");
  EXPECT_EQ(c->auth.record_admins, (std::vector<std::string>{"mcp-agent", "deployer"}));
  EXPECT_EQ(c->log.level, "debug");
}

TEST_F(ConfigTest, PortVariablesWinOverEverything) {
  auto c = load_control(write(kControl), fixed_environment({{"MCNS_SERVER_LISTEN_ADDR", "127.0.0.1:1"},
                                                           {"PORT", "18443"},
                                                           {"PORT_GRPC", "19443"}}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server.listen_addr, ":18443");
  EXPECT_EQ(c->server.grpc_addr, ":19443");
}

TEST_F(ConfigTest, BadPortVariableIsAnError) {
  auto c = load_control(write(kControl), fixed_environment({{"PORT", "http"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("$PORT"), std::string_view::npos) << c.status();
}

TEST_F(ConfigTest, MissingRequiredKeyIsNamed) {
  std::string text = kControl;
  text.erase(text.find("tls_key"), std::string("tls_key     = \"/k.pem\"").size());
  auto c = load_control(write(text), fixed_environment({}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("missing required key [server] tls_key"), std::string_view::npos)
      << c.status();
}

TEST_F(ConfigTest, EnvironmentCanSupplyARequiredKey) {
  std::string text = kControl;
  text.erase(text.find("tls_key"), std::string("tls_key     = \"/k.pem\"").size());
  auto c = load_control(write(text), fixed_environment({{"MCNS_SERVER_TLS_KEY", "/env.pem"}}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server.tls_key, "/env.pem");
}

TEST_F(ConfigTest, McIasModeNeedsHttpsServerUrl) {
  std::string text = kControl;
  text.replace(text.find("https://"), 8, "http://");
  auto c = load_control(write(text), fixed_environment({}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("server_url"), std::string_view::npos);
}

TEST_F(ConfigTest, LocalModeNeedsTokensFile) {
  auto c = load_control(write(kControl), fixed_environment({{"MCNS_AUTH_MODE", "local"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("[auth] local_tokens_file"), std::string_view::npos) << c.status();
}

TEST_F(ConfigTest, WrongTypeNamesTheKey) {
  std::string text = kControl;
  text.replace(text.find("\"/srv/mcns/mcns.db\""), 19, "42");
  auto c = load_control(write(text), fixed_environment({}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("[database] path must be a string"), std::string_view::npos) << c.status();
}

TEST_F(ConfigTest, SyntaxErrorIsOneLine) {
  auto c = load_control(write("[server\nlisten_addr = 1"), fixed_environment({}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find('\n'), std::string_view::npos) << c.status();
}

TEST_F(ConfigTest, MissingFileIsAnError) {
  auto c = load_control("/nonexistent/mcns.toml", fixed_environment({}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("/nonexistent/mcns.toml"), std::string_view::npos);
}

TEST_F(ConfigTest, UnknownKeysAreWarnings) {
  std::string text = std::string(kControl) + "[metrics]\nlisten = \"x\"\n";
  std::vector<std::string> warnings;
  auto c = load_control(write(text), fixed_environment({}), &warnings);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("[metrics] listen"), std::string::npos);
}

TEST_F(ConfigTest, LoadsDnsFile) {
  auto c = load_dns(write(kDns), fixed_environment({}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->dns.threads, 2);
  ASSERT_TRUE(c->control.has_value());
  EXPECT_EQ(c->control->token_file, "/token");
  EXPECT_EQ(c->forward.upstreams, (std::vector<std::string>{"127.0.0.1:5300", "[::1]:53"}));
  EXPECT_EQ(c->forward.max_ttl, 60u);
  EXPECT_EQ(c->forward.max_entries, 100000u);
}

TEST_F(ConfigTest, DnsWithoutControlIsStandalone) {
  auto c = load_dns(write("[dns]\nlisten = [\"127.0.0.1:53\"]\n[zones]\nfiles = [\"/z\"]\n"), fixed_environment({}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->control.has_value());
  EXPECT_EQ(c->zones.files.size(), 1u);
}

TEST_F(ConfigTest, DnsRejectsBadValues) {
  struct Case { const char* env_key; const char* env_value; const char* want; };
  const Case cases[] = {
      {"MCNS_DNS_LISTEN", "", "missing required key [dns] listen"},
      {"MCNS_DNS_LISTEN", "127.0.0.1", "[dns] listen"},
      {"MCNS_DNS_THREADS", "-1", "[dns] threads must be between"},
      {"MCNS_FORWARD_ALLOW", "10.0.0.0/33", "invalid prefix length"},
      {"MCNS_FORWARD_ALLOW", "example.com", "not an address"},
      {"MCNS_FORWARD_UPSTREAMS", "dns.google:53", "[forward] upstreams"},
      {"MCNS_CONTROL_TOKEN_FILE", "", "missing required key [control] token_file"},
      {"MCNS_LOG_LEVEL", "loud", "[log] level"},
  };
  std::string path = write(kDns);
  for (const auto& tc : cases) {
    auto c = load_dns(path, fixed_environment({{tc.env_key, tc.env_value}}));
    ASSERT_FALSE(c.ok()) << tc.env_key << "=" << tc.env_value;
    EXPECT_NE(c.status().message().find(tc.want), std::string_view::npos) << c.status();
  }
}

TEST(HostPortTest, ParsesForms) {
  auto a = parse_host_port(":8443");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "");
  EXPECT_EQ(a->port, 8443);
  auto b = parse_host_port("[::1]:53");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_FALSE(parse_host_port("::1:53").ok());
  EXPECT_FALSE(parse_host_port("host:99999").ok());
  EXPECT_FALSE(parse_host_port("host").ok());
}

}  // namespace
}  // namespace mcns::config
