// /metrics, /healthz, /readyz, check-config, start-up errors and SIGTERM (SPEC sections
// 3, 8 and 10).
#include <gtest/gtest.h>

#include "tests/integration/dns/dns_process.h"
#include "tests/integration/dns/dns_tools.h"
#include "tests/integration/dns/test_zones.h"

namespace mcns::test::dns {
namespace {

TEST(Endpoints, MetricsHealthAndReadiness) {
  ScratchDir dir;
  DnsOptions o;
  o.zone_files = {dir.write("example.zone", example_zone())};
  auto dns = DnsProcess::start(dir, o);
  ASSERT_NE(dns, nullptr);
  ASSERT_NE(dns->metrics_port(), 0);
  EXPECT_EQ(kdig(dns->dns_port(), "+short www.example.com A"), "192.0.2.10\n");
  EXPECT_EQ(status_of(kdig(dns->dns_port(), "+tcp nope.example.com A")), "NXDOMAIN");

  HttpResult health = http_get(dns->metrics_port(), "/healthz");
  EXPECT_EQ(health.status, 200);
  HttpResult ready = http_get(dns->metrics_port(), "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_TRUE(ready.body.starts_with("{\"version\":0,\"connected\":false,\"last_change_age_seconds\":")) << ready.body;
  HttpResult m = http_get(dns->metrics_port(), "/metrics");
  ASSERT_EQ(m.status, 200);
  for (const char* want : {"mcns_dns_requests_total{proto=\"udp\",qtype=\"A\"} 1\n",
                           "mcns_dns_requests_total{proto=\"tcp\",qtype=\"A\"} 1\n",
                           "mcns_dns_responses_total{rcode=\"NOERROR\"} 1\n",
                           "mcns_dns_responses_total{rcode=\"NXDOMAIN\"} 1\n",
                           "mcns_dns_request_duration_seconds_count 2\n", "mcns_forward_cache_hits_total 0\n",
                           "mcns_forward_cache_misses_total 0\n", "mcns_zone_records{zone=\"example.com\"} 15\n",
                           "mcns_sync_connected 0\n", "mcns_sync_version 0\n"}) {
    EXPECT_NE(m.body.find(want), std::string::npos) << want << "\n" << m.body;
  }
  EXPECT_EQ(http_get(dns->metrics_port(), "/nope").status, 404);
  EXPECT_EQ(dns->stop(), 0);
}

TEST(Endpoints, NotReadyUntilTheFirstSnapshot) {
  // With [control] the frontend waits for the control plane's first snapshot: until then
  // /readyz is 503 and in-zone names are REFUSED (SPEC section 8). No control plane runs
  // here, so it stays that way.
  ScratchDir dir;
  DnsOptions o;
  o.zone_files = {dir.write("example.zone", example_zone())};
  o.extra_toml = "[control]\ngrpc_addr = \"127.0.0.1:1\"\ntoken_file = \"" + dir.write("token", "t0ken\n") + "\"\n";
  auto dns = DnsProcess::start(dir, o);
  ASSERT_NE(dns, nullptr);
  HttpResult ready = http_get(dns->metrics_port(), "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("\"connected\":false"), std::string::npos) << ready.body;
  EXPECT_EQ(http_get(dns->metrics_port(), "/healthz").status, 200);
  EXPECT_EQ(status_of(kdig(dns->dns_port(), "www.example.com A")), "REFUSED");
  EXPECT_EQ(dns->stop(), 0);
}

TEST(Endpoints, CheckConfig) {
  ScratchDir dir;
  DnsOptions o;
  o.zone_files = {dir.write("example.zone", example_zone())};
  std::string good = dir.write("good.toml", dns_config(o));
  std::string out;
  EXPECT_EQ(DnsProcess::run({"check-config", "--config", good}, out), 0) << out;
  EXPECT_NE(out.find("zone example.com: 15 records, serial 2024010101"), std::string::npos) << out;
  EXPECT_NE(out.find("check-config: OK"), std::string::npos) << out;

  std::string bad_zone = dir.write("bad.zone", "$ORIGIN bad.test.\n@ 300 IN SOA ns h 1 2 3 4 5\nwww IN A 300.1.1.1\n");
  o.zone_files = {bad_zone};
  std::string bad = dir.write("bad.toml", dns_config(o));
  EXPECT_EQ(DnsProcess::run({"check-config", "--config", bad}, out), 2) << out;
  EXPECT_NE(out.find("zone file " + bad_zone + ":3:"), std::string::npos) << out;

  o.zone_files = {};
  o.extra_toml = "[control]\ngrpc_addr = \"127.0.0.1:1\"\ntoken_file = \"" + dir.file("missing-token") + "\"\n";
  std::string no_token = dir.write("no-token.toml", dns_config(o));
  EXPECT_EQ(DnsProcess::run({"check-config", "--config", no_token}, out), 2) << out;
  EXPECT_NE(out.find("[control] token_file"), std::string::npos) << out;

  o.extra_toml = "";
  o.user = "no-such-user-mcns";
  std::string no_user = dir.write("no-user.toml", dns_config(o));
  EXPECT_EQ(DnsProcess::run({"check-config", "--config", no_user}, out), 2) << out;
  EXPECT_NE(out.find("no-such-user-mcns"), std::string::npos) << out;
}

TEST(Endpoints, BadZoneFileStopsStartWithExit2) {
  ScratchDir dir;
  DnsOptions o;
  std::string zone = dir.write("cname.zone", "$ORIGIN c.test.\n@ 300 IN SOA ns h 1 2 3 4 5\nx IN A 192.0.2.1\nx IN CNAME y\n");
  o.zone_files = {zone};
  std::string config = dir.write("c.toml", dns_config(o));
  std::string out;
  EXPECT_EQ(DnsProcess::run({"server", "--config", config}, out), 2) << out;
  EXPECT_NE(out.find("zone file " + zone + ":4: CNAME and other data"), std::string::npos) << out;
  o.zone_files = {dir.file("absent.zone")};
  config = dir.write("absent.toml", dns_config(o));
  EXPECT_EQ(DnsProcess::run({"server", "--config", config}, out), 2) << out;
  EXPECT_NE(out.find("absent.zone"), std::string::npos) << out;
}

TEST(Endpoints, SigtermDrainsAndExitsZero) {
  ScratchDir dir;
  DnsOptions o;
  o.zone_files = {dir.write("example.zone", example_zone())};
  auto dns = DnsProcess::start(dir, o);
  ASSERT_NE(dns, nullptr);
  TcpClient idle(dns->dns_port());  // an idle connection must not hold the exit for 30 s
  ASSERT_TRUE(idle.connected());
  auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(dns->stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
  EXPECT_NE(dns->log().find("stopped"), std::string::npos) << dns->log();
}

}  // namespace
}  // namespace mcns::test::dns
