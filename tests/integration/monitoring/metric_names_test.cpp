// The monitoring kit (deploy/monitoring) against the real binaries: one mcns-control and
// one mcns-dns following it (with forwarding on, so that every family exists), traffic on
// both so that the lazily created series appear, then both /metrics scraped and every
// metric name used by the rules and the dashboard looked up in the scrapes by
// check_monitoring.py. A renamed metric or label fails here.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "common/base/strings.h"
#include "tests/integration/harness/rest_client.h"
#include "tests/integration/harness/run_command.h"
#include "tests/integration/sync/sync_fixture.h"

namespace mcns::test::sync {
namespace {

const std::string kRepo = MCNS_SOURCE_DIR;
const std::string kChecker = kRepo + "/tests/integration/monitoring/check_monitoring.py";

class MonitoringTest : public SyncTest {
 protected:
  // A frontend following the control, with forwarding on (an upstream on a loopback
  // port nobody answers: the upstream error counter exists from the start).
  std::unique_ptr<dns::DnsProcess> start_forwarding_frontend() {
    frontend_dirs_.push_back(std::make_unique<dns::ScratchDir>());
    const auto& d = *frontend_dirs_.back();
    std::string token_file = d.write("token", dns_token_ + "\n");
    std::ifstream ca_in(test_pki().ca_cert);
    std::stringstream pem;
    pem << ca_in.rdbuf();
    std::string ca = d.write("ca.pem", pem.str());  // readable by the frontend whatever its user
    dns::DnsOptions o;
    o.upstreams = {"127.0.0.1:9"};
    o.extra_toml = str_cat("[control]\ngrpc_addr = \"localhost:", control_->grpc_port(), "\"\nca_cert = \"", ca,
                           "\"\ntoken_file = \"", token_file, "\"\n");
    return dns::DnsProcess::start(d, o);
  }
};

TEST_F(MonitoringTest, EveryMetricInTheRulesAndTheDashboardIsExposedByTheBinaries) {
  auto frontend = start_forwarding_frontend();
  ASSERT_TRUE(frontend);
  ASSERT_TRUE(caught_up(*frontend));

  // Never backed up: the gauge is there, at 0 (MCNSBackupTooOld then fires).
  EXPECT_EQ(metric(plain_http_get(control_->metrics_port(), "/metrics"),
                   "mcns_backup_last_success_timestamp_seconds"),
            0);
  // A backup beside the running server records its time; the next scrape shows it.
  const auto before = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  CommandResult snapshot = run_command(str_cat(quote(binary_path("mcns-control")), " snapshot --config ",
                             quote(control_->config_path()), " --out ", quote(dir_.file("backup.db"))));
  ASSERT_EQ(snapshot.code, 0) << snapshot.output;
  const auto after = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  double backup = metric(plain_http_get(control_->metrics_port(), "/metrics"),
                         "mcns_backup_last_success_timestamp_seconds");
  EXPECT_GE(backup, static_cast<double>(before));
  EXPECT_LE(backup, static_cast<double>(after));

  // Traffic, so that the series created on first use exist: REST calls (a success and an
  // authentication failure), an authoritative and a forwarded DNS question.
  ASSERT_EQ(rest_->get(str_cat("/v1/zones/", kZone), admin_token_).status, 200);
  EXPECT_EQ(rest_->get("/v1/zones", "wrong-token").status, 401);
  EXPECT_EQ(ask(frontend->dns_port(), str_cat("metacrypt.", kZone), "A").rcode, 0);
  ask(frontend->dns_port(), "example.org", "A");  // forwarded to the silent upstream

  std::string control_metrics = plain_http_get(control_->metrics_port(), "/metrics");
  std::string dns_metrics = plain_http_get(frontend->metrics_port(), "/metrics");
  ASSERT_NE(control_metrics.find("mcns_api_requests_total{"), std::string::npos) << control_metrics;
  ASSERT_NE(dns_metrics.find("mcns_dns_responses_total{"), std::string::npos) << dns_metrics;
  ASSERT_NE(dns_metrics.find("mcns_forward_upstream_errors_total{"), std::string::npos) << dns_metrics;
  std::string control_file = dir_.write("control.metrics", control_metrics);
  std::string dns_file = dir_.write("dns.metrics", dns_metrics);

  CommandResult names = run_command(str_cat("/usr/bin/python3 ", quote(kChecker), " names ", quote(kRepo), " ", quote(control_file),
                          " ", quote(dns_file)));
  EXPECT_EQ(names.code, 0) << names.output;
  std::printf("%s", names.output.c_str());
  EXPECT_NE(names.output.find("checked "), std::string::npos) << names.output;

  // The check is not vacuous: a rules file naming a metric the binaries do not have, or
  // a label one of them does not carry, fails it.
  std::string bogus = dir_.write("bogus.rules.yml",
                                 "groups:\n  - name: bogus\n    rules:\n"
                                 "      - alert: Renamed\n        expr: mcns_dns_requests_totl > 0\n"
                                 "      - alert: Relabelled\n        expr: mcns_dns_responses_total{rcod=\"SERVFAIL\"} > 0\n");
  CommandResult negative = run_command(str_cat("/usr/bin/python3 ", quote(kChecker), " names ", quote(kRepo), " ", quote(control_file),
                             " ", quote(dns_file), " --rules ", quote(bogus)));
  EXPECT_EQ(negative.code, 1) << negative.output;
  EXPECT_NE(negative.output.find("metric mcns_dns_requests_totl is not exposed"), std::string::npos)
      << negative.output;
  EXPECT_NE(negative.output.find("mcns_dns_responses_total has no label rcod"), std::string::npos)
      << negative.output;
  // And a scrape without the frontend misses the frontend's metrics.
  CommandResult control_only = run_command(str_cat("/usr/bin/python3 ", quote(kChecker), " names ", quote(kRepo), " ",
                                 quote(control_file)));
  EXPECT_EQ(control_only.code, 1) << control_only.output;
  EXPECT_NE(control_only.output.find("metric mcns_sync_version is not exposed"), std::string::npos)
      << control_only.output;
}

}  // namespace
}  // namespace mcns::test::sync
