// Abuse resistance of the real mcns-dns binary (SPEC 16): TCP connections per client
// address (RFC 7766 6.2.3), TC for a referral whose in-domain glue does not fit
// (RFC 9471), and the refusal to keep root. Loopback only; clients pick their source
// address in 127.0.0.0/8 with bind() before connect().
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/strings.h"
#include "tests/integration/dns/dns_process.h"
#include "tests/integration/harness/tcp_probe.h"
#include "tests/integration/dns/dns_tools.h"
#include "tests/integration/dns/test_zones.h"

namespace mcns::test::dns {
namespace {

using Clock = std::chrono::steady_clock;

// A query for `name` type A, ID `id`.
Bytes a_query(std::uint16_t id, const std::string& name) {
  Bytes b = {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  for (const auto& label : split(name, '.')) {
    b.push_back(static_cast<std::uint8_t>(label.size()));
    b.insert(b.end(), label.begin(), label.end());
  }
  b.insert(b.end(), {0, 0, 1, 0, 1});
  return b;
}

// A TCP connection from `source` (an address of 127.0.0.0/8) to 127.0.0.1:port.
class Conn {
 public:
  Conn(const std::string& source, std::uint16_t port) : fd_(connect_from(source, port)) {}
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  int fd() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

  // Sends a query and reads its answer, all before `deadline`; the reply's ID, or -1.
  int ask(std::uint16_t id, const std::string& name, Clock::time_point deadline) {
    Bytes q = a_query(id, name);
    Bytes f = {static_cast<std::uint8_t>(q.size() >> 8), static_cast<std::uint8_t>(q.size())};
    f.insert(f.end(), q.begin(), q.end());
    if (::send(fd_, f.data(), f.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(f.size())) return -1;
    Bytes in;
    while (true) {
      if (in.size() >= 4 && in.size() >= 2u + ((in[0] << 8) | in[1])) return (in[2] << 8) | in[3];
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, left) != 1) return -1;
      std::uint8_t buf[1024];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return -1;
      in.insert(in.end(), buf, buf + n);
    }
  }
  int ask(std::uint16_t id, const std::string& name) { return ask(id, name, Clock::now() + std::chrono::seconds(2)); }

 private:
  int fd_ = -1;
};

// Waits until the server closed `want` of `conns` (read returns 0) or `timeout`; which
// ones it closed.
std::vector<bool> wait_closed(const std::vector<std::unique_ptr<Conn>>& conns, std::size_t want,
                              std::chrono::milliseconds timeout) {
  std::vector<bool> closed(conns.size(), false);
  std::size_t count = 0;
  auto deadline = Clock::now() + timeout;
  while (count < want && Clock::now() < deadline) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < conns.size(); ++i)
      if (!closed[i]) fds.push_back({conns[i]->fd(), POLLIN, 0}), which.push_back(i);
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      std::uint8_t b;
      if (::recv(fds[k].fd, &b, 1, MSG_DONTWAIT) <= 0) closed[which[k]] = true, ++count;
    }
  }
  return closed;
}

std::size_t count_of(const std::vector<bool>& v) {
  std::size_t n = 0;
  for (bool b : v) n += b;
  return n;
}

TEST(TcpAbuse, OneClientWithManyIdleConnectionsDoesNotLockOutOthers) {
  // One worker: without the per-client cap, 256 connections fill its every slot. Two
  // workers: the cap must hold for the process, however the kernel spreads them.
  for (int threads : {1, 2}) {
    SCOPED_TRACE(str_cat("threads=", threads));
    ScratchDir dir;
    DnsOptions o;
    o.threads = threads;
    o.zone_files = {dir.write("example.zone", example_zone())};
    auto dns = DnsProcess::start(dir, o);
    ASSERT_NE(dns, nullptr);
    std::vector<std::unique_ptr<Conn>> flood;
    for (int i = 0; i < 256; ++i) {
      flood.push_back(std::make_unique<Conn>("127.0.0.2", dns->dns_port()));
      ASSERT_TRUE(flood.back()->ok()) << i;
    }
    // Another client is answered within a second.
    auto deadline = Clock::now() + std::chrono::seconds(1);
    Conn other("127.0.0.3", dns->dns_port());
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(other.ask(4242, "www.example.com", deadline), 4242);
    // The flooding client keeps at most tcp_max_per_client (32) connections.
    std::vector<bool> closed = wait_closed(flood, 256 - 32, std::chrono::seconds(5));
    const std::size_t open = 256 - count_of(closed);
    EXPECT_LE(open, 32u);
    EXPECT_GE(open, 16u);  // closed for the cap, not for being idle (10 s)
    // The newest one is among those kept, and it works.
    ASSERT_FALSE(closed.back());
    EXPECT_EQ(flood.back()->ask(7, "www.example.com"), 7);
    std::string metrics = http_get(dns->metrics_port(), "/metrics").body;
    EXPECT_NE(metrics.find("mcns_dns_tcp_connections_evicted_total"), std::string::npos);
    EXPECT_EQ(dns->stop(), 0);
  }
}

TEST(TcpAbuse, ClientOverItsCapLosesItsOldestIdleConnection) {
  ScratchDir dir;
  DnsOptions o;
  o.threads = 1;
  o.dns_toml = "tcp_max_per_client = 4\n";
  o.zone_files = {dir.write("example.zone", example_zone())};
  auto dns = DnsProcess::start(dir, o);
  ASSERT_NE(dns, nullptr);
  std::vector<std::unique_ptr<Conn>> c;
  for (std::uint16_t i = 0; i < 4; ++i) {
    c.push_back(std::make_unique<Conn>("127.0.0.2", dns->dns_port()));
    ASSERT_EQ(c.back()->ask(i, "www.example.com"), i);  // accepted, in this order
  }
  ASSERT_EQ(c[0]->ask(10, "www.example.com"), 10);  // c[0] active again: c[1] is the oldest idle
  // Another client's connection is not counted against this one.
  Conn other("127.0.0.3", dns->dns_port());
  ASSERT_EQ(other.ask(20, "www.example.com"), 20);
  c.push_back(std::make_unique<Conn>("127.0.0.2", dns->dns_port()));
  std::vector<bool> closed = wait_closed(c, 1, std::chrono::seconds(3));
  EXPECT_EQ(closed, (std::vector<bool>{false, true, false, false, false}));
  for (std::size_t i : {0u, 2u, 3u, 4u}) EXPECT_EQ(c[i]->ask(static_cast<std::uint16_t>(30 + i), "www.example.com"), 30 + static_cast<int>(i)) << i;
  EXPECT_EQ(other.ask(21, "www.example.com"), 21);
  EXPECT_EQ(dns->stop(), 0);
}

// glue.test: "big" is delegated to ten name servers below the cut (in-domain glue: A and
// AAAA each, ~700 octets in all); "sib" to ten names elsewhere in the zone (sibling glue).
std::string glue_zone() {
  std::string z = "$ORIGIN glue.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ IN NS ns1\n"
                  "ns1 IN A 192.0.2.1\n";
  for (int i = 1; i <= 10; ++i) {
    z += str_cat("big IN NS ns", i, ".big\nns", i, ".big IN A 192.0.2.", i, "\nns", i, ".big IN AAAA 2001:db8::", i, "\n");
    z += str_cat("sib IN NS host", i, "\nhost", i, " IN A 198.51.100.", i, "\nhost", i, " IN AAAA 2001:db8:1::", i, "\n");
  }
  return z;
}

// The ";; Flags:" line of kdig's output.
std::string flags_of(const std::string& out) {
  auto at = out.find(";; Flags:");
  return at == std::string::npos ? "" : out.substr(at, out.find('\n', at) - at);
}

TEST(Rfc9471, ReferralWithInDomainGlueThatDoesNotFitIsTruncatedOverUdp) {
  ScratchDir dir;
  DnsOptions o;
  o.zone_files = {dir.write("glue.zone", glue_zone())};
  auto dns = DnsProcess::start(dir, o);
  ASSERT_NE(dns, nullptr);
  // +ignore: show the truncated reply instead of retrying over TCP.
  std::string big = kdig(dns->dns_port(), "+notcp +ignore +bufsize=512 www.big.glue.test A");
  EXPECT_NE(flags_of(big).find(" tc"), std::string::npos) << big;
  std::string sib = kdig(dns->dns_port(), "+notcp +ignore +bufsize=512 www.sib.glue.test A");
  EXPECT_EQ(flags_of(sib).find(" tc"), std::string::npos) << sib;
  EXPECT_NE(sib.find("sib.glue.test."), std::string::npos) << sib;  // the referral itself
  EXPECT_NE(sib.find("host1.glue.test."), std::string::npos) << sib;
  // With room for it the whole referral comes without TC.
  std::string fits = kdig(dns->dns_port(), "+notcp +ignore +bufsize=1232 www.big.glue.test A");
  EXPECT_EQ(flags_of(fits).find(" tc"), std::string::npos) << fits;
  EXPECT_NE(fits.find("ns10.big.glue.test."), std::string::npos) << fits;
  EXPECT_EQ(dns->stop(), 0);
}

TEST(RootRefusal, RefusesToKeepRootWithoutUserOrAllowRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  ScratchDir dir;
  DnsOptions o;
  o.allow_root = false;
  o.zone_files = {dir.write("example.zone", example_zone())};
  std::string config = dir.write("mcns-dns.toml", dns_config(o));
  std::string out;
  EXPECT_EQ(DnsProcess::run({"server", "--config", config}, out), 2);
  EXPECT_NE(out.find("[process] user"), std::string::npos) << out;
  EXPECT_NE(out.find("[process] allow_root"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "one line:\n" << out;
  // The environment override works as well (rootless containers set it there).
  ::setenv("MCNS_PROCESS_ALLOW_ROOT", "true", 1);
  o.allow_root = false;
  auto dns = DnsProcess::start(dir, o);
  ::unsetenv("MCNS_PROCESS_ALLOW_ROOT");
  ASSERT_NE(dns, nullptr);
  EXPECT_NE(dns->log().find("allow_root"), std::string::npos);  // the warning
  EXPECT_EQ(dns->stop(), 0);
}

}  // namespace
}  // namespace mcns::test::dns
