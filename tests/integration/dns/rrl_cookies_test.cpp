// SPEC 16 against the real mcns-dns binary: response rate limiting per /24 with slip,
// DNS Cookies (RFC 7873, RFC 9018 server cookies) through dig and raw sockets, a secret
// shared by two frontends, and the RRL exemption of a valid cookie. Loopback only: flood
// sources are 127.0.0.2 and 127.0.0.3 (one /24), bound before sendto; 127.0.1.2 is
// another /24. Bounded: 400 flood queries over about one second.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/strings.h"
#include "tests/integration/dns/dns_process.h"
#include "tests/integration/dns/dns_tools.h"
#include "tests/integration/dns/test_zones.h"

namespace mcns::test::dns {
namespace {

using Clock = std::chrono::steady_clock;

// A query for `name` type A, ID `id`; with `cookie` (COOKIE option data) an OPT carries it.
Bytes query(std::uint16_t id, const std::string& name, const std::optional<Bytes>& cookie = std::nullopt) {
  Bytes b = {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), 0, 0, 0, 1, 0, 0, 0, 0, 0,
             static_cast<std::uint8_t>(cookie ? 1 : 0)};
  for (const auto& label : split(name, '.')) {
    b.push_back(static_cast<std::uint8_t>(label.size()));
    b.insert(b.end(), label.begin(), label.end());
  }
  b.insert(b.end(), {0, 0, 1, 0, 1});
  if (cookie) {
    b.insert(b.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(4 + cookie->size()), 0, 10, 0,
                       static_cast<std::uint8_t>(cookie->size())});
    b.insert(b.end(), cookie->begin(), cookie->end());
  }
  return b;
}

bool tc(const Bytes& r) { return r.size() >= 12 && (r[2] & 0x02) != 0; }
int ancount(const Bytes& r) { return r.size() >= 12 ? (r[6] << 8 | r[7]) : -1; }
// The COOKIE option data this server writes last in its OPT (client 8 + server 16).
Bytes reply_cookie(const Bytes& r) {
  if (r.size() < 28) return {};
  const std::uint8_t* p = r.data() + r.size() - 28;
  if (p[0] != 0 || p[1] != 10 || p[2] != 0 || p[3] != 24) return {};
  return Bytes(p + 4, p + 28);
}

Bytes from_hex(const std::string& s) {
  Bytes b;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) b.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return b;
}
std::string hex(const Bytes& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

// A non-blocking UDP socket bound to `source`, sending to 127.0.0.1:port.
class UdpClient {
 public:
  UdpClient(const std::string& source, std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    int big = 1 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    to_.sin_family = AF_INET;
    to_.sin_port = htons(port);
    to_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~UdpClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  bool send(const Bytes& q) {
    return ::sendto(fd_, q.data(), q.size(), 0, reinterpret_cast<const sockaddr*>(&to_), sizeof to_) ==
           static_cast<ssize_t>(q.size());
  }
  // Every reply queued now.
  void drain(std::vector<Bytes>& out) {
    std::uint8_t buf[4096];
    while (true) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return;
      out.emplace_back(buf, buf + n);
    }
  }
  // Waits up to `ms` for one reply.
  std::optional<Bytes> receive(int ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return std::nullopt;
    std::uint8_t buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return std::nullopt;
    return Bytes(buf, buf + n);
  }
  std::optional<Bytes> exchange(const Bytes& q, int ms = 2000) {
    if (!send(q)) return std::nullopt;
    return receive(ms);
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  sockaddr_in to_{};
};

// The value of one exposition line `name` (with labels), or -1.
long metric(std::uint16_t port, const std::string& name) {
  std::string body = http_get(port, "/metrics").body;
  std::size_t at = body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::atol(body.c_str() + at + name.size() + 2);
}

std::string secret_file(const ScratchDir& dir, const std::string& hex_secret) {
  std::string path = dir.write("cookie.secret", hex_secret + "\n");
  ::chmod(path.c_str(), 0600);
  return path;
}

constexpr char kSecret[] = "00112233445566778899aabbccddeeff";

TEST(DnsRrl, FloodFromOnePrefixIsLimitedWithSlipOthersAndCookiesAreNot) {
  ScratchDir dir;
  DnsOptions o;
  o.threads = 1;  // one UDP thread: its RRL share is the whole rate (splitting: unit-tested)
  o.zone_files = {dir.write("example.zone", example_zone())};
  o.dns_toml = str_cat("rrl_responses_per_second = 20\nrrl_slip = 2\ncookie_secret_file = \"",
                       secret_file(dir, kSecret), "\"\n");
  auto dns = DnsProcess::start(dir, o);
  ASSERT_TRUE(dns);
  const std::uint16_t port = dns->dns_port();

  UdpClient a("127.0.0.2", port), b("127.0.0.3", port), other("127.0.1.2", port), cookie_client("127.0.0.4", port);
  ASSERT_TRUE(a.ok() && b.ok() && other.ok() && cookie_client.ok());
  // 127.0.0.4 (same /24 as the flood) fetches a server cookie first (one token).
  const Bytes client_cookie = {0xc0, 0x0c, 0x1e, 0x5a, 1, 2, 3, 4};
  auto first = cookie_client.exchange(query(1, "www.example.com", client_cookie));
  ASSERT_TRUE(first);
  const Bytes cookie = reply_cookie(*first);
  ASSERT_EQ(cookie.size(), 24u);

  // The flood: 400 queries over about one second, alternating 127.0.0.2 / 127.0.0.3;
  // meanwhile 10 from 127.0.1.2 and 40 from 127.0.0.4 with its valid cookie.
  constexpr int kFlood = 400;
  std::vector<Bytes> flood_replies, other_replies, cookie_replies;
  const auto start = Clock::now();
  int other_sent = 0, cookie_sent = 0;
  for (int i = 0; i < kFlood; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(2500 * i));  // pacing, not a wait for a condition
    ASSERT_TRUE((i % 2 ? b : a).send(query(static_cast<std::uint16_t>(i), "www.example.com")));
    if (i % 40 == 0 && other.send(query(static_cast<std::uint16_t>(i), "www.example.com"))) ++other_sent;
    if (i % 10 == 0 && cookie_client.send(query(static_cast<std::uint16_t>(i), "www.example.com", cookie))) ++cookie_sent;
    a.drain(flood_replies);
    b.drain(flood_replies);
    other.drain(other_replies);
    cookie_client.drain(cookie_replies);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // Collect the rest: until 300 ms pass without a reply (bounded by 3 s).
  const auto hard = Clock::now() + std::chrono::seconds(3);
  while (Clock::now() < hard) {
    pollfd p[4] = {{a.fd(), POLLIN, 0}, {b.fd(), POLLIN, 0}, {other.fd(), POLLIN, 0}, {cookie_client.fd(), POLLIN, 0}};
    if (::poll(p, 4, 300) <= 0) break;
    a.drain(flood_replies);
    b.drain(flood_replies);
    other.drain(other_replies);
    cookie_client.drain(cookie_replies);
  }

  int full = 0, truncated = 0;
  for (const Bytes& r : flood_replies) {
    if (tc(r)) {
      ++truncated;
      EXPECT_EQ(ancount(r), 0) << "a slipped answer has empty sections";
    } else {
      ++full;
      EXPECT_EQ(ancount(r), 1);
    }
  }
  const int dropped = kFlood - full - truncated;
  const int limited = kFlood - full;
  // Tokens: 20 at the start (less the one the cookie fetch took), then 20 per wall-clock
  // second boundary crossed while sending.
  const int max_full = 20 * (static_cast<int>(seconds) + 2);
  std::printf("flood over %.2f s: %d full, %d truncated, %d dropped\n", seconds, full, truncated, dropped);
  EXPECT_GE(full, 19);
  EXPECT_LE(full, max_full);
  EXPECT_GE(truncated, limited / 2 - 1);
  EXPECT_LE(truncated, limited / 2 + 1);
  EXPECT_GE(dropped, limited / 2 - 1);

  // Another /24: all answered in full.
  EXPECT_EQ(static_cast<int>(other_replies.size()), other_sent);
  for (const Bytes& r : other_replies) {
    EXPECT_FALSE(tc(r));
    EXPECT_GT(ancount(r), 0);
  }
  // A valid cookie from inside the flooded /24: never limited.
  EXPECT_EQ(static_cast<int>(cookie_replies.size()), cookie_sent);
  for (const Bytes& r : cookie_replies) {
    EXPECT_FALSE(tc(r));
    EXPECT_GT(ancount(r), 0);
    EXPECT_EQ(reply_cookie(r), cookie);
  }

  EXPECT_EQ(metric(dns->metrics_port(), "mcns_dns_rrl_total{action=\"slip\"}"), truncated);
  EXPECT_EQ(metric(dns->metrics_port(), "mcns_dns_rrl_total{action=\"drop\"}"), dropped);
  EXPECT_EQ(metric(dns->metrics_port(), "mcns_dns_cookies_total{result=\"valid\"}"), cookie_sent);

  // TCP proves the source: not limited even now.
  auto tcp = kdig(port, "+tcp big.example.com TXT");
  EXPECT_EQ(status_of(tcp), "NOERROR") << tcp;
  EXPECT_EQ(tcp.find("flags: qr aa tc"), std::string::npos) << tcp;
}

TEST(DnsCookies, DigCookieValidatesAndIsSharedBetweenFrontends) {
  ScratchDir dir;
  const std::string secret = secret_file(dir, kSecret);
  DnsOptions o;
  o.threads = 1;
  o.zone_files = {dir.write("example.zone", example_zone())};
  o.dns_toml = str_cat("cookie_secret_file = \"", secret, "\"\n");
  auto one = DnsProcess::start(dir, o);
  ASSERT_TRUE(one);
  ScratchDir dir2;
  o.zone_files = {dir2.write("example.zone", example_zone())};
  auto two = DnsProcess::start(dir2, o);
  ASSERT_TRUE(two);
  DnsOptions random_secret;
  random_secret.threads = 1;
  ScratchDir dir3;
  random_secret.zone_files = {dir3.write("example.zone", example_zone())};
  auto three = DnsProcess::start(dir3, random_secret);
  ASSERT_TRUE(three);

  // dig +cookie: an RFC 9018 server cookie (version 1, reserved 0, timestamp ~ now).
  std::string out = dig(one->dns_port(), "+cookie www.example.com A");
  EXPECT_EQ(status_of(out), "NOERROR") << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("COOKIE: ([0-9a-f]{16})([0-9a-f]{32})"))) << out;
  const std::string client_hex = m[1], server_hex = m[2];
  const Bytes server = from_hex(server_hex);
  EXPECT_EQ(server[0], 1) << "version";
  EXPECT_EQ(server[1] | server[2] | server[3], 0) << "reserved";
  const long stamp = (long{server[4]} << 24) | (server[5] << 16) | (server[6] << 8) | server[7];
  EXPECT_LE(std::labs(stamp - static_cast<long>(std::time(nullptr))), 5L);
  EXPECT_EQ(metric(one->metrics_port(), "mcns_dns_cookies_total{result=\"new\"}"), 1);

  // The next query with it validates, on this frontend and on the other one (same secret).
  out = dig(one->dns_port(), "+cookie=" + client_hex + server_hex + " www.example.com A");
  EXPECT_EQ(status_of(out), "NOERROR") << out;
  EXPECT_EQ(metric(one->metrics_port(), "mcns_dns_cookies_total{result=\"valid\"}"), 1);
  out = dig(two->dns_port(), "+cookie=" + client_hex + server_hex + " www.example.com A");
  EXPECT_EQ(status_of(out), "NOERROR") << out;
  EXPECT_NE(out.find(server_hex), std::string::npos) << "a fresh cookie is echoed unchanged\n" << out;
  EXPECT_EQ(metric(two->metrics_port(), "mcns_dns_cookies_total{result=\"valid\"}"), 1);
  EXPECT_EQ(metric(two->metrics_port(), "mcns_dns_cookies_total{result=\"badcookie\"}"), 0);

  // A frontend with another secret: BADCOOKIE (23) over UDP with a fresh cookie of its own.
  auto reply = udp_exchange(three->dns_port(), query(7, "www.example.com", from_hex(client_hex + server_hex)));
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)[3] & 0x0f, 23 & 0x0f);
  EXPECT_EQ(ancount(*reply), 0);
  const Bytes fresh = reply_cookie(*reply);
  ASSERT_EQ(fresh.size(), 24u);
  EXPECT_EQ(hex(Bytes(fresh.begin(), fresh.begin() + 8)), client_hex);
  EXPECT_NE(hex(Bytes(fresh.begin() + 8, fresh.end())), server_hex);
  // ... which it accepts next time.
  reply = udp_exchange(three->dns_port(), query(8, "www.example.com", fresh));
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)[3] & 0x0f, 0);
  EXPECT_GT(ancount(*reply), 0);
  EXPECT_EQ(metric(three->metrics_port(), "mcns_dns_cookies_total{result=\"badcookie\"}"), 1);
  EXPECT_EQ(metric(three->metrics_port(), "mcns_dns_cookies_total{result=\"valid\"}"), 1);
  // A malformed COOKIE option: FORMERR.
  reply = udp_exchange(three->dns_port(), query(9, "www.example.com", Bytes(12, 0xab)));
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)[3] & 0x0f, 1);
  EXPECT_EQ(metric(three->metrics_port(), "mcns_dns_cookies_total{result=\"malformed\"}"), 1);
}

TEST(DnsCookies, GroupReadableSecretFileIsRefused) {
  ScratchDir dir;
  std::string path = dir.write("cookie.secret", std::string(kSecret) + "\n");  // 0644
  DnsOptions o;
  o.zone_files = {dir.write("example.zone", example_zone())};
  o.dns_toml = str_cat("cookie_secret_file = \"", path, "\"\n");
  o.start_timeout = std::chrono::seconds(5);
  auto dns = DnsProcess::start(dir, o);
  EXPECT_FALSE(dns) << "a group/other-readable cookie secret must be refused";
}

}  // namespace
}  // namespace mcns::test::dns
