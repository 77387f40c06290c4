// The listeners with real sockets on loopback. Answers come from process_query() over an
// empty (not ready) snapshot, so every well-formed query gets REFUSED with its ID: these
// tests are about transport behaviour, not DNS content (query_processor_test and the
// integration tests cover that).
#include "services/dns-frontend/server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/strings.h"

namespace mcns::frontend::server {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes query(std::uint16_t id, const std::string& name = "www.example.com", std::uint16_t qtype = 1) {
  Bytes b = {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  std::size_t start = 0;
  while (start < name.size()) {
    auto dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    b.push_back(static_cast<std::uint8_t>(dot - start));
    b.insert(b.end(), name.begin() + static_cast<std::ptrdiff_t>(start), name.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  b.push_back(0);
  b.push_back(static_cast<std::uint8_t>(qtype >> 8));
  b.push_back(static_cast<std::uint8_t>(qtype));
  b.push_back(0);
  b.push_back(1);
  return b;
}

std::uint16_t id_of(const Bytes& b) { return static_cast<std::uint16_t>((b[0] << 8) | b[1]); }

std::uint16_t port_of(const std::string& bound) { return static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1))); }

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

std::optional<Bytes> udp_exchange(std::uint16_t port, const Bytes& msg, int timeout_ms = 2000) {
  Fd s(::socket(AF_INET, SOCK_DGRAM, 0));
  auto to = loopback(port);
  ::sendto(s.fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (!wait_readable(s.fd, timeout_ms)) return std::nullopt;
  Bytes buf(65535);
  ssize_t n = ::recv(s.fd, buf.data(), buf.size(), 0);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

int tcp_connect(std::uint16_t port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  auto to = loopback(port);
  EXPECT_EQ(::connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  return s;
}

Bytes frame(const Bytes& m) {
  Bytes f(2 + m.size());
  f[0] = static_cast<std::uint8_t>(m.size() >> 8);
  f[1] = static_cast<std::uint8_t>(m.size());
  std::copy(m.begin(), m.end(), f.begin() + 2);
  return f;
}

bool read_exact(int fd, std::uint8_t* p, std::size_t n, int timeout_ms) {
  while (n > 0) {
    if (!wait_readable(fd, timeout_ms)) return false;
    ssize_t r = ::recv(fd, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

std::optional<Bytes> tcp_read_frame(int fd, int timeout_ms = 2000) {
  std::uint8_t len[2];
  if (!read_exact(fd, len, 2, timeout_ms)) return std::nullopt;
  Bytes b((len[0] << 8) | len[1]);
  if (!read_exact(fd, b.data(), b.size(), timeout_ms)) return std::nullopt;
  return b;
}

// True when the peer closed the connection within `timeout_ms`.
bool closed_by_peer(int fd, int timeout_ms) {
  if (!wait_readable(fd, timeout_ms)) return false;
  std::uint8_t b;
  return ::recv(fd, &b, 1, 0) == 0;
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions o) {
    if (o.listen.empty()) o.listen = {"127.0.0.1:0"};
    auto s = Server::bind(o, holder_, nullptr, &registry_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(s).value();
    server_->start();
    port_ = port_of(server_->bound_addresses().at(0));
  }
  void TearDown() override {
    if (server_) {
      EXPECT_TRUE(server_->stop(std::chrono::seconds(5)));
    }
  }

  zone::SnapshotHolder holder_;
  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
};

TEST_F(ServerTest, AnswersUdpAndTcpOnOnePort) {
  start({.threads = 2});
  ASSERT_NE(port_, 0);
  EXPECT_EQ(server_->threads(), 2);
  EXPECT_EQ(server_->bound_addresses().at(0), str_cat("127.0.0.1:", port_));
  for (std::uint16_t id = 1; id <= 20; ++id) {  // several source ports: both workers' sockets
    auto r = udp_exchange(port_, query(id));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(id_of(*r), id);
    EXPECT_TRUE((*r)[2] & 0x80);
  }
  Fd t(tcp_connect(port_));
  Bytes f = frame(query(77));
  ASSERT_EQ(::send(t.fd, f.data(), f.size(), 0), static_cast<ssize_t>(f.size()));
  auto r = tcp_read_frame(t.fd);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(id_of(*r), 77);
}

TEST_F(ServerTest, TcpPipeliningAnswersEveryQueryInOrder) {
  start({.threads = 1});
  Fd t(tcp_connect(port_));
  Bytes all;
  for (std::uint16_t id = 100; id < 150; ++id) {
    Bytes f = frame(query(id, str_cat("q", id, ".example")));
    all.insert(all.end(), f.begin(), f.end());
  }
  // Split across writes mid-frame, as a stream may arrive.
  ASSERT_EQ(::send(t.fd, all.data(), 7, 0), 7);
  ASSERT_EQ(::send(t.fd, all.data() + 7, all.size() - 7, 0), static_cast<ssize_t>(all.size() - 7));
  for (std::uint16_t id = 100; id < 150; ++id) {
    auto r = tcp_read_frame(t.fd);
    ASSERT_TRUE(r.has_value()) << id;
    EXPECT_EQ(id_of(*r), id);
  }
}

TEST_F(ServerTest, ZeroLengthAndMalformedTcpMessagesDoNotBreakTheConnection) {
  start({.threads = 1});
  Fd t(tcp_connect(port_));
  Bytes junk = {0, 0};                                // zero-length message
  Bytes runt = frame(Bytes{1, 2, 3});                 // shorter than a header
  Bytes response = query(5);
  response[2] |= 0x80;                                // QR=1
  Bytes f = frame(response);
  junk.insert(junk.end(), runt.begin(), runt.end());
  junk.insert(junk.end(), f.begin(), f.end());
  Bytes good = frame(query(6));
  junk.insert(junk.end(), good.begin(), good.end());
  ASSERT_EQ(::send(t.fd, junk.data(), junk.size(), 0), static_cast<ssize_t>(junk.size()));
  auto r = tcp_read_frame(t.fd);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(id_of(*r), 6);
}

TEST_F(ServerTest, MalformedUdpDatagramsAreDroppedAndServiceContinues) {
  start({.threads = 1});
  EXPECT_FALSE(udp_exchange(port_, Bytes{1, 2, 3, 4, 5}, 200).has_value());  // truncated header
  Bytes response = query(9);
  response[2] |= 0x80;
  EXPECT_FALSE(udp_exchange(port_, response, 200).has_value());  // QR=1: never answer a response
  EXPECT_FALSE(udp_exchange(port_, Bytes(6000, 0x41), 200).has_value());  // oversized
  auto r = udp_exchange(port_, query(10));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(id_of(*r), 10);
}

TEST_F(ServerTest, IdleTcpConnectionsAreClosed) {
  start({.threads = 1, .tcp_idle_timeout = std::chrono::milliseconds(200)});
  Fd t(tcp_connect(port_));
  auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_peer(t.fd, 3000));
  EXPECT_GE(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(150));
}

TEST_F(ServerTest, ATricklingClientDoesNotKeepItsConnection) {
  start({.threads = 1, .tcp_idle_timeout = std::chrono::milliseconds(300)});
  Fd t(tcp_connect(port_));
  // One byte of a frame header every 100 ms: never a whole message.
  Bytes f = frame(query(3));
  auto begin = std::chrono::steady_clock::now();
  bool closed = false;
  for (std::size_t i = 0; i < f.size() && !closed; ++i) {
    if (::send(t.fd, &f[i], 1, MSG_NOSIGNAL) != 1) break;
    closed = closed_by_peer(t.fd, 100);
  }
  if (!closed) closed = closed_by_peer(t.fd, 2000);
  EXPECT_TRUE(closed) << "partial frames must not extend the idle deadline";
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(2500));
}

// One query and its answer: the connection is accepted and was active just now.
void round_trip(int fd, std::uint16_t id) {
  Bytes f = frame(query(id));
  ASSERT_EQ(::send(fd, f.data(), f.size(), 0), static_cast<ssize_t>(f.size()));
  auto r = tcp_read_frame(fd);
  ASSERT_TRUE(r.has_value()) << id;
  EXPECT_EQ(id_of(*r), id);
}

TEST_F(ServerTest, AtTheConnectionCapTheOldestIdleConnectionMakesRoom) {
  start({.threads = 1, .tcp_max_connections = 2});
  Fd a(tcp_connect(port_));
  Fd b(tcp_connect(port_));
  round_trip(b.fd, 1);
  round_trip(a.fd, 2);  // a is now the more recently active one: b is the oldest idle
  Fd c(tcp_connect(port_));
  EXPECT_TRUE(closed_by_peer(b.fd, 2000));
  round_trip(c.fd, 3);  // the newcomer was admitted...
  round_trip(a.fd, 4);  // ...and the recently active connection kept
  std::string text = registry_.serialize();
  EXPECT_NE(text.find("mcns_dns_tcp_connections_evicted_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mcns_dns_tcp_connections_refused_total 0\n"), std::string::npos) << text;
}

TEST_F(ServerTest, PerClientCapClosesThatClientsOldestIdleConnection) {
  // Two workers share a per-client cap of 4: each admits 2 from one address, so the
  // client holds at most 4 whichever worker the kernel hands each connection to.
  start({.threads = 2, .tcp_max_per_client = 4});
  // 24 connections: the chance that the kernel gives one worker fewer than 2 is ~1e-6.
  constexpr int kConns = 24;
  std::vector<std::unique_ptr<Fd>> conns;
  for (int i = 0; i < kConns; ++i) conns.push_back(std::make_unique<Fd>(tcp_connect(port_)));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int closed = 0;
  std::vector<bool> gone(conns.size(), false);
  while (closed < kConns - 4 && std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < conns.size(); ++i)
      if (!gone[i]) fds.push_back({conns[i]->fd, POLLIN, 0}), which.push_back(i);
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (std::size_t k = 0; k < fds.size(); ++k)
      if ((fds[k].revents & (POLLIN | POLLHUP)) && closed_by_peer(fds[k].fd, 0)) gone[which[k]] = true, ++closed;
  }
  EXPECT_EQ(closed, kConns - 4);
  int open = 0;
  for (std::size_t i = 0; i < conns.size(); ++i) {
    if (gone[i]) continue;
    round_trip(conns[i]->fd, static_cast<std::uint16_t>(i));
    ++open;
  }
  EXPECT_EQ(open, 4);
  // The newest connection is never the one closed while older ones are idle.
  EXPECT_FALSE(gone.back());
}

TEST_F(ServerTest, IdleTimeoutShortensUnderPressure) {
  start({.threads = 1,
         .tcp_idle_timeout = std::chrono::seconds(30),
         .tcp_idle_timeout_under_pressure = std::chrono::milliseconds(200),
         .tcp_max_connections = 4});
  Fd a(tcp_connect(port_));
  round_trip(a.fd, 1);
  // One of four slots in use: the long timeout applies.
  EXPECT_FALSE(closed_by_peer(a.fd, 600));
  // Three of four (more than half): every idle connection gets 200 ms, a included,
  // although its 30 s timer was armed before the pressure began. (Once a is gone two of
  // four are in use: the pressure, and the short timeout, end.)
  Fd b(tcp_connect(port_));
  Fd c(tcp_connect(port_));
  round_trip(c.fd, 2);
  auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_peer(a.fd, 3000));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(2500));
  round_trip(c.fd, 3);
}

TEST_F(ServerTest, CountsRequestsAndResponsesPerProtocol) {
  start({.threads = 2});
  for (std::uint16_t id = 0; id < 5; ++id) ASSERT_TRUE(udp_exchange(port_, query(id, "a.example", 28)).has_value());
  Fd t(tcp_connect(port_));
  Bytes f = frame(query(1, "a.example", 1));
  ASSERT_EQ(::send(t.fd, f.data(), f.size(), 0), static_cast<ssize_t>(f.size()));
  ASSERT_TRUE(tcp_read_frame(t.fd).has_value());
  std::string text = registry_.serialize();
  EXPECT_NE(text.find("mcns_dns_requests_total{proto=\"udp\",qtype=\"AAAA\"} 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mcns_dns_requests_total{proto=\"tcp\",qtype=\"A\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mcns_dns_responses_total{rcode=\"REFUSED\"} 6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mcns_dns_request_duration_seconds_count 6\n"), std::string::npos) << text;
}

TEST_F(ServerTest, StopClosesIdleConnectionsPromptly) {
  start({.threads = 2});
  Fd t(tcp_connect(port_));
  Bytes f = frame(query(1));
  ASSERT_EQ(::send(t.fd, f.data(), f.size(), 0), static_cast<ssize_t>(f.size()));
  ASSERT_TRUE(tcp_read_frame(t.fd).has_value());
  auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(server_->stop(std::chrono::seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(2));
  EXPECT_TRUE(closed_by_peer(t.fd, 1000));
  EXPECT_FALSE(udp_exchange(port_, query(2), 200).has_value());
}

TEST_F(ServerTest, SeveralAddressesAndIpv6) {
  Fd probe(::socket(AF_INET6, SOCK_DGRAM, 0));
  sockaddr_in6 a6{};
  a6.sin6_family = AF_INET6;
  a6.sin6_addr = in6addr_loopback;
  bool have_v6 = ::bind(probe.fd, reinterpret_cast<sockaddr*>(&a6), sizeof a6) == 0;
  std::vector<std::string> listen = {"127.0.0.1:0", "127.0.0.2:0"};
  if (have_v6) listen.push_back("[::1]:0");
  start({.listen = listen, .threads = 1});
  auto bound = server_->bound_addresses();
  ASSERT_EQ(bound.size(), listen.size());
  EXPECT_TRUE(bound[1].starts_with("127.0.0.2:"));
  if (have_v6) {
    EXPECT_TRUE(bound[2].starts_with("[::1]:"));
    Fd s(::socket(AF_INET6, SOCK_DGRAM, 0));
    a6.sin6_port = htons(port_of(bound[2]));
    Bytes q = query(33);
    ::sendto(s.fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&a6), sizeof a6);
    ASSERT_TRUE(wait_readable(s.fd, 2000));
    Bytes buf(512);
    ASSERT_GE(::recv(s.fd, buf.data(), buf.size(), 0), 12);
    EXPECT_EQ(id_of(buf), 33);
  }
}

TEST_F(ServerTest, WildcardAddressRepliesFromTheQueriedAddress) {
  start({.listen = {":0"}, .threads = 1});
  // Sent to 127.0.0.3: the reply must come from 127.0.0.3 (IP_PKTINFO), or a connected
  // client socket would never see it.
  Fd s(::socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in to = loopback(port_);
  to.sin_addr.s_addr = htonl(0x7f000003);
  ASSERT_EQ(::connect(s.fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  Bytes q = query(44);
  ASSERT_EQ(::send(s.fd, q.data(), q.size(), 0), static_cast<ssize_t>(q.size()));
  ASSERT_TRUE(wait_readable(s.fd, 2000));
  Bytes buf(512);
  ASSERT_GE(::recv(s.fd, buf.data(), buf.size(), 0), 12);
  EXPECT_EQ(id_of(buf), 44);
}

TEST(ServerBind, ASecondServerOnTheSamePortIsAnError) {
  zone::SnapshotHolder holder;
  auto first = Server::bind({.listen = {"127.0.0.1:0"}, .threads = 2}, holder, nullptr, nullptr);
  ASSERT_TRUE(first.ok()) << first.status();
  std::string taken = (*first)->bound_addresses().at(0);
  auto second = Server::bind({.listen = {taken}, .threads = 1}, holder, nullptr, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("address already in use"), std::string::npos) << second.status();
  first->reset();
  auto again = Server::bind({.listen = {taken}, .threads = 1}, holder, nullptr, nullptr);
  EXPECT_TRUE(again.ok()) << again.status();  // free again once the first is gone
}

TEST(ServerBind, ExplicitIpv4AndIpv6WildcardsShareAPort) {
  // The usual Knot/NSD style: "0.0.0.0:53" and "[::]:53" side by side. Only ":53" is
  // dual-stack; an explicit "[::]" is IPv6 only and must not collide with 0.0.0.0.
  int probe = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (probe < 0) GTEST_SKIP() << "no IPv6";
  ::close(probe);
  zone::SnapshotHolder holder;
  auto first = Server::bind({.listen = {"0.0.0.0:0"}, .threads = 1}, holder, nullptr, nullptr);
  ASSERT_TRUE(first.ok()) << first.status();
  std::string port = (*first)->bound_addresses().at(0).substr((*first)->bound_addresses().at(0).rfind(':') + 1);
  first->reset();
  auto both = Server::bind({.listen = {"0.0.0.0:" + port, "[::]:" + port}, .threads = 1}, holder, nullptr, nullptr);
  EXPECT_TRUE(both.ok()) << both.status();
}

TEST(ServerBind, RejectsBadAddresses) {
  zone::SnapshotHolder holder;
  EXPECT_FALSE(Server::bind({.listen = {}}, holder, nullptr, nullptr).ok());
  EXPECT_FALSE(Server::bind({.listen = {"localhost:53"}}, holder, nullptr, nullptr).ok());
  EXPECT_FALSE(Server::bind({.listen = {"127.0.0.1"}}, holder, nullptr, nullptr).ok());
  EXPECT_FALSE(Server::bind({.listen = {"192.0.2.1:0"}}, holder, nullptr, nullptr).ok());  // not a local address
}

}  // namespace
}  // namespace mcns::frontend::server
