// The forwarding cache's byte bound ([forward] max_bytes, SPEC section 16) against the
// real mcns-dns binary: a fake upstream on loopback answers every name with TC=1 over
// UDP and a ~60 KiB TXT answer over TCP; a frontend with max_bytes = 1 MiB is asked a
// few hundred distinct names over TCP. Every answer must be right, the cache's byte
// gauge must never pass max_bytes, and the process's RSS must not grow with the names.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/base/strings.h"
#include "services/dns-frontend/forward/forward_test_util.h"
#include "tests/integration/dns/dns_process.h"
#include "tests/integration/dns/dns_tools.h"

namespace mcns::test::dns {
namespace {

namespace fw = frontend::forward::testing;

constexpr std::uint64_t kMaxBytes = 1 << 20;
constexpr int kStrings = 240;  // TXT strings of 255 octets: 61440 octets of RDATA

// The octet every TXT string of `name` is filled with, so a mixed-up answer shows.
std::uint8_t fill_for(const std::string& name) {
  return static_cast<std::uint8_t>('a' + std::hash<std::string>{}(name) % 26);
}

std::vector<Bytes> big_txt_upstream(const Bytes& q, bool tcp) {
  if (!tcp) return {fw::make_answer(q, 0, {}, true, /*tc=*/true)};
  Bytes rdata;
  std::uint8_t fill = fill_for(question_name(q));
  for (int i = 0; i < kStrings; ++i) {
    rdata.push_back(255);
    rdata.insert(rdata.end(), 255, fill);
  }
  return {fw::make_answer(q, 0, {{.type = 16, .ttl = 300, .rdata = rdata}})};
}

// The value of an unlabelled series in Prometheus text, or -1.
double metric(std::uint16_t port, const std::string& series) {
  HttpResult m = http_get(port, "/metrics");
  auto at = m.body.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(m.body.substr(at + series.size() + 2));
}

// VmRSS of `pid` in KiB, or -1.
long rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return -1;
}

// Checks one TCP reply: ID, NOERROR, one TXT answer of kStrings strings of `fill`.
::testing::AssertionResult right_answer(const std::optional<Bytes>& reply, std::uint16_t id, std::uint8_t fill) {
  if (!reply) return ::testing::AssertionFailure() << "no reply";
  const Bytes& r = *reply;
  if (r.size() < 12 || fw::get16(r, 0) != id) return ::testing::AssertionFailure() << "wrong ID";
  if ((r[3] & 0x0f) != 0 || (r[2] & 0x02)) return ::testing::AssertionFailure() << "rcode or TC: " << int(r[2]) << "/" << int(r[3]);
  if (fw::get16(r, 6) != 1) return ::testing::AssertionFailure() << "ancount " << fw::get16(r, 6);
  std::size_t pos = 12;
  while (pos < r.size() && r[pos] != 0) pos += 1 + r[pos];
  pos += 1 + 4;                     // root, qtype, qclass
  pos += 2 + 2 + 2 + 4;             // owner pointer, type, class, TTL
  if (pos + 2 > r.size()) return ::testing::AssertionFailure() << "short";
  std::size_t rdlen = fw::get16(r, pos);
  pos += 2;
  if (rdlen != kStrings * 256u || pos + rdlen > r.size()) return ::testing::AssertionFailure() << "rdlen " << rdlen;
  for (std::size_t i = 0; i < rdlen; ++i) {
    std::uint8_t want = (i % 256 == 0) ? 255 : fill;
    if (r[pos + i] != want) return ::testing::AssertionFailure() << "TXT octet " << i << " is " << int(r[pos + i]);
  }
  return ::testing::AssertionSuccess();
}

TEST(ForwardCacheBytes, BigAnswersStayWithinMaxBytes) {
  FakeUpstream upstream(big_txt_upstream);
  ScratchDir dir;
  DnsOptions o;
  o.upstreams = {upstream.address()};
  o.allow = {"127.0.0.0/8"};
  o.max_entries = 100000;  // the bytes decide
  // [forward] max_bytes through its environment override (the harness writes the file).
  o.exec_prefix = {"/usr/bin/env", str_cat("MCNS_FORWARD_MAX_BYTES=", kMaxBytes)};
  auto dns = DnsProcess::start(dir, o);
  ASSERT_NE(dns, nullptr);

  constexpr int kNames = 400;  // unbounded, these would hold about 24 MiB
  TcpClient client(dns->dns_port());
  ASSERT_TRUE(client.connected());
  auto ask = [&](int i, std::uint16_t id) {
    std::string name = str_cat("n", i, ".big.test");
    EXPECT_TRUE(client.send_frame(fw::make_query(name, 16, {.id = id, .edns = true})));
    return right_answer(client.read_frame(5000), id, fill_for(name));
  };
  double peak = 0;
  long rss_warm = -1;
  for (int i = 0; i < kNames; ++i) {
    ASSERT_TRUE(ask(i, static_cast<std::uint16_t>(i))) << "name " << i;
    if (i % 20 == 19) {
      double bytes = metric(dns->metrics_port(), "mcns_forward_cache_bytes");
      ASSERT_GE(bytes, 0) << "no mcns_forward_cache_bytes on /metrics";
      ASSERT_LE(bytes, static_cast<double>(kMaxBytes)) << "after " << i + 1 << " names";
      peak = std::max(peak, bytes);
    }
    if (i == 59) rss_warm = rss_kib(dns->pid());  // the cache has been full for a while
  }
  EXPECT_GT(peak, kMaxBytes / 2.0);  // the cache was used, and filled
  // Recent names come from the cache, old ones were evicted and are asked again; both right.
  int before = upstream.total();
  ASSERT_TRUE(ask(kNames - 1, 9999));
  EXPECT_EQ(upstream.total(), before);
  ASSERT_TRUE(ask(0, 9998));
  EXPECT_GT(upstream.total(), before);
  double entries = metric(dns->metrics_port(), "mcns_forward_cache_entries");
  EXPECT_GT(entries, 0);
  EXPECT_LE(entries, kMaxBytes / (kStrings * 256.0));
  EXPECT_LE(metric(dns->metrics_port(), "mcns_forward_cache_bytes"), static_cast<double>(kMaxBytes));

  long rss_end = rss_kib(dns->pid());
  ASSERT_GT(rss_warm, 0);
  // 340 more distinct 60 KiB answers after the warm-up (about 20 MiB if they were kept):
  // the resident size may move with allocator slack, not with the names.
  EXPECT_LT(rss_end - rss_warm, 8 * 1024) << "RSS " << rss_warm << " KiB -> " << rss_end << " KiB";
  EXPECT_LT(rss_end, 256 * 1024);
  EXPECT_EQ(dns->stop(), 0);
}

}  // namespace
}  // namespace mcns::test::dns
