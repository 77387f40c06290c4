// Forwarding against fake upstream resolvers that the test starts on loopback (never the
// internet): failover on timeout, spoofed answers ignored (RFC 5452), TTLs counted down,
// SERVFAIL not cached, TCP retry on TC, and clients outside [forward] allow refused.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "services/dns-frontend/forward/forward_test_util.h"
#include "tests/integration/dns/dns_process.h"
#include "tests/integration/dns/dns_tools.h"
#include "tests/integration/dns/suite_process.h"
#include "tests/integration/dns/test_zones.h"

namespace mcns::test::dns {
namespace {

namespace fw = frontend::forward::testing;

std::vector<Bytes> upstream_script(const Bytes& q, bool tcp) {
  std::string name = question_name(q);
  std::uint16_t id = fw::get16(q, 0);
  if (name == "spoof.test") {
    Bytes wrong_id = fw::make_answer(q, 0, {{.rdata = fw::a_rdata(6, 6, 6, 1)}});
    wrong_id[0] ^= 0xA5;
    Bytes wrong_question = fw::make_answer(fw::make_query("evil.test", 1, {.id = id}), 0, {{.rdata = fw::a_rdata(6, 6, 6, 2)}});
    Bytes real = fw::make_answer(q, 0, {{.rdata = fw::a_rdata(10, 0, 0, 9)}});
    return {wrong_id, wrong_question, real};
  }
  if (name == "ttl.test") return {fw::make_answer(q, 0, {{.ttl = 100, .rdata = fw::a_rdata(10, 0, 0, 1)}})};
  if (name == "fail.test") return {fw::make_answer(q, 2, {})};
  if (name == "nx.test")
    return {fw::make_answer(q, 3, {{.section = 1, .type = 6, .ttl = 900, .rdata = fw::soa_rdata(30),
                                    .owner_is_question = false, .owner = "test"}})};
  if (name == "big.test") {
    if (!tcp) return {fw::make_answer(q, 0, {}, true, /*tc=*/true)};
    std::vector<fw::Rr> records;
    for (int i = 0; i < 40; ++i) records.push_back({.rdata = fw::a_rdata(10, 1, 0, static_cast<std::uint8_t>(i))});
    return {fw::make_answer(q, 0, records)};
  }
  return {fw::make_answer(q, 0, {{.ttl = 60, .rdata = fw::a_rdata(10, 0, 0, 2)}})};
}

// The TTL of the first answer record in kdig/dig output ("name. TTL IN A addr").
int first_ttl(const std::string& out, const std::string& owner) {
  std::regex re(owner + R"(\.\s+(\d+)\s+IN\s+A)", std::regex::icase);
  std::smatch m;
  return std::regex_search(out, m, re) ? std::stoi(m[1].str()) : -1;
}

class Forwarding : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    upstream_ = new FakeUpstream(upstream_script);
    suite_.start([](ScratchDir& dir) {
      DnsOptions o;
      o.zone_files = {dir.write("example.zone", example_zone())};
      o.upstreams = {upstream_->address()};
      o.allow = {"127.0.0.1/32"};  // 127.0.0.2 is outside
      return o;
    });
  }
  static void TearDownTestSuite() {
    suite_.stop();
    delete upstream_;
  }
  std::uint16_t port() const { return suite_.process().dns_port(); }
  static double metric(const std::string& series) {
    HttpResult m = http_get(suite_.process().metrics_port(), "/metrics");
    auto at = m.body.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(m.body.substr(at + series.size() + 2));
  }

  static FakeUpstream* upstream_;
  static inline SuiteProcess suite_;
};
FakeUpstream* Forwarding::upstream_ = nullptr;

TEST_F(Forwarding, ForwardsThenAnswersFromTheCache) {
  double hits = metric("mcns_forward_cache_hits_total");
  EXPECT_EQ(kdig(port(), "+short cached.test A"), "10.0.0.2\n");
  EXPECT_EQ(dig(port(), "+short cached.test A"), "10.0.0.2\n");
  EXPECT_EQ(kdig(port(), "+tcp +short cached.test A"), "10.0.0.2\n");
  EXPECT_EQ(upstream_->count("cached.test"), 1);
  EXPECT_EQ(metric("mcns_forward_cache_hits_total"), hits + 2);
  std::string out = kdig(port(), "cached.test A");
  EXPECT_NE(out.find("Flags: qr rd ra;"), std::string::npos) << out;  // RA set, AA not: not authoritative
  // Authoritative names are still answered from the zones, never forwarded.
  EXPECT_EQ(kdig(port(), "+short www.example.com A"), "192.0.2.10\n");
  EXPECT_EQ(upstream_->count("www.example.com"), 0);
}

TEST_F(Forwarding, QuestionCaseIsRestored) {
  std::string out = dig(port(), "CaSe.TeSt A");  // (kdig lower-cases what it sends)
  EXPECT_NE(out.find(";CaSe.TeSt.\t"), std::string::npos) << out;
  EXPECT_NE(out.find("\nCaSe.TeSt.\t"), std::string::npos) << out;
  EXPECT_NE(out.find("10.0.0.2"), std::string::npos) << out;
}

TEST_F(Forwarding, SpoofedAnswersAreIgnored) {
  EXPECT_EQ(kdig(port(), "+short spoof.test A"), "10.0.0.9\n");
}

TEST_F(Forwarding, TtlsAreCountedDownInCachedAnswers) {
  std::string first = kdig(port(), "ttl.test A");
  ASSERT_EQ(first_ttl(first, "ttl.test"), 100) << first;
  // Wait for the clock to move on, observed through the answers themselves (bounded).
  int ttl = 100;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ttl == 100 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ttl = first_ttl(kdig(port(), "ttl.test A"), "ttl.test");
  }
  EXPECT_LT(ttl, 100);
  EXPECT_GE(ttl, 95);
  EXPECT_EQ(upstream_->count("ttl.test"), 1);
}

TEST_F(Forwarding, ServfailIsNotCached) {
  EXPECT_EQ(status_of(kdig(port(), "fail.test A")), "SERVFAIL");
  EXPECT_EQ(status_of(dig(port(), "fail.test A")), "SERVFAIL");
  EXPECT_EQ(upstream_->count("fail.test"), 2);
}

TEST_F(Forwarding, NxdomainIsCachedWithTheSoaMinimum) {
  std::string out = dig(port(), "nx.test A");
  EXPECT_EQ(status_of(out), "NXDOMAIN") << out;
  EXPECT_NE(out.find("30\tIN\tSOA"), std::string::npos) << out;
  EXPECT_EQ(status_of(dig(port(), "nx.test A")), "NXDOMAIN");
  EXPECT_EQ(upstream_->count("nx.test"), 1);
}

TEST_F(Forwarding, TruncatedUpstreamAnswerIsRetriedOverTcp) {
  std::string out = kdig(port(), "+tcp big.test A");
  EXPECT_EQ(status_of(out), "NOERROR") << out;
  EXPECT_NE(out.find("ANSWER: 40"), std::string::npos) << out;
  // A UDP client without EDNS gets TC (the answer does not fit 512) and dig retries over TCP.
  std::string udp = dig(port(), "+noedns +ignore big.test A");
  EXPECT_NE(udp.find(" tc"), std::string::npos) << udp;
  EXPECT_NE(dig(port(), "+noedns big.test A").find("ANSWER: 40"), std::string::npos);
}

TEST_F(Forwarding, ClientsOutsideAllowAreRefused) {
  std::string out = kdig(port(), "-b 127.0.0.2 outside.test A");
  EXPECT_EQ(status_of(out), "REFUSED") << out;
  out = kdig(port(), "-b 127.0.0.2 +tcp outside.test A");
  EXPECT_EQ(status_of(out), "REFUSED") << out;
  EXPECT_EQ(upstream_->count("outside.test"), 0);
  // The zones are still served to them.
  EXPECT_EQ(kdig(port(), "-b 127.0.0.2 +short www.example.com A"), "192.0.2.10\n");
  // And an allowed client gets the forwarded answer.
  EXPECT_EQ(kdig(port(), "+short outside.test A"), "10.0.0.2\n");
}

TEST(ForwardingFailover, NextUpstreamAfterATimeout) {
  FakeUpstream silent([](const Bytes&, bool) { return std::vector<Bytes>{}; });
  FakeUpstream good(upstream_script);
  ScratchDir dir;
  DnsOptions o;
  o.upstreams = {silent.address(), good.address()};
  o.allow = {"127.0.0.0/8"};
  auto dns = DnsProcess::start(dir, o);
  ASSERT_NE(dns, nullptr);
  auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(kdig(dns->dns_port(), "+time=6 +short failover.test A"), "10.0.0.2\n");
  EXPECT_GE(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(1400));  // one upstream timeout
  EXPECT_EQ(silent.count("failover.test"), 1);
  EXPECT_EQ(good.count("failover.test"), 1);
  HttpResult m = http_get(dns->metrics_port(), "/metrics");
  EXPECT_NE(m.body.find("mcns_forward_upstream_errors_total{upstream=\"" + silent.address() + "\"} 1\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("mcns_forward_upstream_errors_total{upstream=\"" + good.address() + "\"} 0\n"),
            std::string::npos);
  EXPECT_EQ(dns->stop(), 0);
}

TEST(ForwardingFailover, EveryUpstreamDownMeansServfail) {
  FakeUpstream silent([](const Bytes&, bool) { return std::vector<Bytes>{}; });
  ScratchDir dir;
  DnsOptions o;
  o.upstreams = {silent.address()};
  auto dns = DnsProcess::start(dir, o);
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(status_of(kdig(dns->dns_port(), "+time=6 down.test A")), "SERVFAIL");
  EXPECT_EQ(dns->stop(), 0);
}

}  // namespace
}  // namespace mcns::test::dns
