#include "services/dns-frontend/server/dns_stats.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

namespace mcns::frontend::server {
namespace {

TEST(DnsStats, SumsWorkersIntoPrometheusText) {
  WorkerStats a, b;
  a.count_request(Proto::kUdp, 1);
  b.count_request(Proto::kUdp, 1);
  b.count_request(Proto::kTcp, 28);
  a.count_request(Proto::kUdp, 4242);  // other
  a.count_response(0);
  b.count_response(3);
  b.count_response(16);
  b.count_response(4000);  // other
  a.observe_ns(30'000);         // 30 µs: first bucket
  b.observe_ns(2'000'000'000);  // 2 s
  std::string out;
  render_stats({&a, &b}, out);
  EXPECT_NE(out.find("mcns_dns_requests_total{proto=\"udp\",qtype=\"A\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("mcns_dns_requests_total{proto=\"tcp\",qtype=\"AAAA\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("mcns_dns_requests_total{proto=\"udp\",qtype=\"other\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("mcns_dns_responses_total{rcode=\"NOERROR\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("mcns_dns_responses_total{rcode=\"NXDOMAIN\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("mcns_dns_responses_total{rcode=\"BADVERS\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("mcns_dns_responses_total{rcode=\"other\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("mcns_dns_request_duration_seconds_bucket{le=\"5e-05\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("mcns_dns_request_duration_seconds_bucket{le=\"1\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("mcns_dns_request_duration_seconds_bucket{le=\"2.5\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("mcns_dns_request_duration_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("mcns_dns_request_duration_seconds_count 2\n"), std::string::npos);
  EXPECT_NE(out.find("# TYPE mcns_dns_request_duration_seconds histogram\n"), std::string::npos);
}

TEST(DnsStats, QtypeSlotsAreDistinct) {
  std::set<std::size_t> slots;
  for (std::uint16_t t : {1, 2, 5, 6, 12, 15, 16, 28, 33, 35, 43, 48, 52, 64, 65, 251, 252, 255, 257}) slots.insert(qtype_slot(t));
  EXPECT_EQ(slots.size(), 19u);
  EXPECT_EQ(slots.count(0), 0u);
  EXPECT_EQ(qtype_slot(99), 0u);
  EXPECT_EQ(qtype_slot(258), 0u);
  EXPECT_EQ(qtype_slot(65535), 0u);
}

// The label values are part of the metric contract (SPEC): pinned here, whichever table
// they are spelled in.
TEST(DnsStats, QtypeLabelsAreTheMnemonics) {
  const std::pair<std::uint16_t, std::string> want[] = {
      {1, "A"},       {2, "NS"},    {5, "CNAME"},  {6, "SOA"},   {12, "PTR"},  {15, "MX"},    {16, "TXT"},
      {28, "AAAA"},   {33, "SRV"},  {35, "NAPTR"}, {43, "DS"},   {48, "DNSKEY"}, {52, "TLSA"}, {64, "SVCB"},
      {65, "HTTPS"},  {251, "IXFR"}, {252, "AXFR"}, {255, "ANY"}, {257, "CAA"},
  };
  for (const auto& [code, label] : want) {
    WorkerStats w;
    w.count_request(Proto::kTcp, code);
    std::string out;
    render_stats({&w}, out);
    EXPECT_NE(out.find("mcns_dns_requests_total{proto=\"tcp\",qtype=\"" + label + "\"} 1\n"), std::string::npos)
        << code << "\n" << out;
  }
}

}  // namespace
}  // namespace mcns::frontend::server
