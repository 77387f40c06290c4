// The forwarder against fake upstreams on loopback, all on one io_context in the test
// thread (no sleeps: the loop runs until the expected callbacks happened).
#include "services/dns-frontend/forward/forwarder.h"

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <set>

#include "services/dns-frontend/forward/forward_test_util.h"

namespace mcns::frontend::forward {
namespace {

using namespace testing;
namespace asio = boost::asio;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;

// A UDP (and optionally TCP) "resolver" on 127.0.0.1 whose replies a test scripts.
class FakeUpstream {
 public:
  // Returns the datagrams to send back for one query (none: stay silent).
  using Script = std::function<std::vector<Bytes>(const Bytes& query)>;

  FakeUpstream(asio::io_context& io, Script udp_script, Script tcp_script = nullptr)
      : socket_(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        acceptor_(io),
        udp_script_(std::move(udp_script)),
        tcp_script_(std::move(tcp_script)) {
    if (tcp_script_) {
      // TCP on the port number the kernel gave the UDP socket. Another process may hold
      // that number for a TCP socket of its own (parallel tests opening many connections):
      // then both move to a fresh UDP port and try again.
      for (int attempt = 0;; ++attempt) {
        tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), socket_.local_endpoint().port());
        boost::system::error_code ec;
        acceptor_.open(ep.protocol(), ec);
        if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acceptor_.bind(ep, ec);
        if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        if (!ec) break;
        if (attempt == 100) throw boost::system::system_error(ec, "FakeUpstream: no port free for UDP and TCP");
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        socket_.close(ignored);
        socket_.open(udp::v4());
        socket_.bind(udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
      }
      accept();
    }
    receive();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(socket_.local_endpoint().port()); }
  int udp_queries = 0;
  int tcp_queries = 0;
  std::vector<Bytes> received;
  std::set<std::uint16_t> source_ports;

 private:
  void receive() {
    socket_.async_receive_from(asio::buffer(buf_), from_, [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      ++udp_queries;
      Bytes q(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(n));
      received.push_back(q);
      source_ports.insert(from_.port());
      for (const Bytes& r : udp_script_(q)) socket_.send_to(asio::buffer(r), from_);
      receive();
    });
  }
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      auto sock = std::make_shared<tcp::socket>(std::move(s));
      auto len = std::make_shared<std::array<std::uint8_t, 2>>();
      asio::async_read(*sock, asio::buffer(*len), [this, sock, len](boost::system::error_code ec, std::size_t) {
        if (ec) return;
        auto body = std::make_shared<Bytes>(((*len)[0] << 8) | (*len)[1]);
        asio::async_read(*sock, asio::buffer(*body), [this, sock, body](boost::system::error_code ec, std::size_t) {
          if (ec) return;
          ++tcp_queries;
          for (const Bytes& r : tcp_script_(*body)) {
            Bytes framed{static_cast<std::uint8_t>(r.size() >> 8), static_cast<std::uint8_t>(r.size())};
            framed.insert(framed.end(), r.begin(), r.end());
            asio::write(*sock, asio::buffer(framed));
          }
        });
      });
      accept();
    });
  }

  udp::socket socket_;
  tcp::acceptor acceptor_;
  std::array<std::uint8_t, 4096> buf_{};
  udp::endpoint from_;
  Script udp_script_;
  Script tcp_script_;
};

FakeUpstream::Script answers_a(std::uint8_t last_octet, std::uint32_t ttl = 100) {
  return [=](const Bytes& q) {
    return std::vector<Bytes>{make_answer(q, 0, {{.ttl = ttl, .rdata = a_rdata(10, 0, 0, last_octet)}})};
  };
}

struct Result {
  bool called = false;
  Bytes reply;
};

class ForwarderTest : public ::testing::Test {
 protected:
  std::unique_ptr<Forwarder> make(std::vector<std::string> upstreams, std::chrono::milliseconds timeout = std::chrono::milliseconds(300)) {
    ForwarderOptions o;
    o.upstreams = std::move(upstreams);
    o.allow = {"127.0.0.0/8"};
    o.timeout = timeout;
    auto f = Forwarder::create(o, &registry_);
    EXPECT_TRUE(f.ok()) << f.status();
    return std::move(f).value();
  }

  // Resolves through `client` and runs the loop until the reply arrived (or 5 s).
  Result resolve(ForwardClient& client, const Bytes& query, bool tcp = false) {
    Question q;
    EXPECT_TRUE(parse_question(query, q));
    Result r;
    client.resolve(q, tcp, [&r](std::span<const std::uint8_t> reply) {
      r.called = true;
      r.reply.assign(reply.begin(), reply.end());
    });
    run_until([&] { return r.called; });
    return r;
  }

  void run_until(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(done()) << "timed out";
  }

  double metric(const std::string& needle) {
    std::string text = registry_.serialize();
    std::string line = "\n";
    line += needle;
    line += " ";
    auto pos = text.find(line);
    if (pos == std::string::npos) return -1;
    return std::stod(text.substr(pos + needle.size() + 2));
  }

  asio::io_context io_;
  metrics::Registry registry_;
};

std::array<std::uint8_t, 4> first_a(const Bytes& reply) {
  std::size_t pos = 12;
  while (reply[pos] != 0) pos += 1 + reply[pos];
  pos += 5;
  // owner (pointer), type, class, ttl, rdlen
  pos += 2 + 10;
  return {reply[pos], reply[pos + 1], reply[pos + 2], reply[pos + 3]};
}

TEST_F(ForwarderTest, ResolvesThenServesFromCache) {
  FakeUpstream up(io_, answers_a(7));
  auto fwd = make({up.address()});
  ForwardClient client(*fwd, io_);
  Result r = resolve(client, make_query("Www.Example.Net", 1, {.id = 0xAAAA, .edns = true}));
  ASSERT_GE(r.reply.size(), 12u);
  EXPECT_EQ(get16(r.reply, 0), 0xAAAA);
  EXPECT_EQ(r.reply[3] & 0x0f, 0);
  EXPECT_EQ(first_a(r.reply), (std::array<std::uint8_t, 4>{10, 0, 0, 7}));
  EXPECT_EQ(r.reply[13], 'W');
  ASSERT_EQ(up.received.size(), 1u);
  EXPECT_NE(get16(up.received[0], 0), 0xAAAA);  // a fresh upstream ID (1 in 65536 to collide)

  Question q;
  ASSERT_TRUE(parse_question(make_query("www.example.net", 1, {.id = 5}), q));
  std::uint8_t out[1024];
  std::size_t n = fwd->answer_from_cache(q, false, out);
  ASSERT_GT(n, 0u);
  EXPECT_EQ(get16(Bytes(out, out + n), 0), 5);
  EXPECT_EQ(up.udp_queries, 1);
  EXPECT_EQ(metric("mcns_forward_cache_hits_total"), 1);
}

TEST_F(ForwarderTest, FailsOverWhenFirstUpstreamTimesOut) {
  FakeUpstream silent(io_, [](const Bytes&) { return std::vector<Bytes>{}; });
  FakeUpstream good(io_, answers_a(8));
  auto fwd = make({silent.address(), good.address()}, std::chrono::milliseconds(200));
  ForwardClient client(*fwd, io_);
  auto start = std::chrono::steady_clock::now();
  Result r = resolve(client, make_query("fail.over", 1));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(190));
  EXPECT_EQ(first_a(r.reply), (std::array<std::uint8_t, 4>{10, 0, 0, 8}));
  EXPECT_EQ(silent.udp_queries, 1);
  EXPECT_EQ(good.udp_queries, 1);
  EXPECT_EQ(metric("mcns_forward_upstream_errors_total{upstream=\"" + silent.address() + "\"}"), 1);
  EXPECT_EQ(metric("mcns_forward_upstream_errors_total{upstream=\"" + good.address() + "\"}"), 0);
}

TEST_F(ForwarderTest, IgnoresSpoofedAnswersAndKeepsWaiting) {
  FakeUpstream up(io_, [](const Bytes& q) {
    Bytes wrong_id = make_answer(q, 0, {{.rdata = a_rdata(6, 6, 6, 1)}});
    wrong_id[0] ^= 0x55;
    Bytes wrong_question = make_answer(make_query("evil.example", 1, {.id = get16(q, 0)}), 0, {{.rdata = a_rdata(6, 6, 6, 2)}});
    Bytes wrong_type = make_answer(make_query("spoof.test", 28, {.id = get16(q, 0)}), 0, {});
    Bytes real = make_answer(q, 0, {{.rdata = a_rdata(10, 0, 0, 9)}});
    return std::vector<Bytes>{wrong_id, wrong_question, wrong_type, real};
  });
  auto fwd = make({up.address()});
  ForwardClient client(*fwd, io_);
  Result r = resolve(client, make_query("spoof.test", 1));
  EXPECT_EQ(first_a(r.reply), (std::array<std::uint8_t, 4>{10, 0, 0, 9}));
}

TEST_F(ForwarderTest, OnlySpoofedAnswersEndInServfail) {
  FakeUpstream up(io_, [](const Bytes& q) {
    Bytes wrong_id = make_answer(q, 0, {{.rdata = a_rdata(6, 6, 6, 1)}});
    wrong_id[1] ^= 0x01;
    return std::vector<Bytes>{wrong_id};
  });
  auto fwd = make({up.address()}, std::chrono::milliseconds(150));
  ForwardClient client(*fwd, io_);
  Result r = resolve(client, make_query("spoof.only", 1));
  EXPECT_EQ(r.reply[3] & 0x0f, dns_wire::rcode::kServFail);
  EXPECT_EQ(fwd->cache().size(), 0u);
}

TEST_F(ForwarderTest, ServfailIsNotCached) {
  FakeUpstream up(io_, [](const Bytes& q) { return std::vector<Bytes>{make_answer(q, 2, {})}; });
  auto fwd = make({up.address()});
  ForwardClient client(*fwd, io_);
  EXPECT_EQ(resolve(client, make_query("broken.test", 1)).reply[3] & 0x0f, dns_wire::rcode::kServFail);
  EXPECT_EQ(resolve(client, make_query("broken.test", 1)).reply[3] & 0x0f, dns_wire::rcode::kServFail);
  EXPECT_EQ(up.udp_queries, 2);  // asked again: nothing was cached
  EXPECT_EQ(fwd->cache().size(), 0u);
}

TEST_F(ForwarderTest, RefusedMovesToNextUpstream) {
  FakeUpstream refusing(io_, [](const Bytes& q) { return std::vector<Bytes>{make_answer(q, 5, {})}; });
  FakeUpstream good(io_, answers_a(3));
  auto fwd = make({refusing.address(), good.address()});
  ForwardClient client(*fwd, io_);
  Result r = resolve(client, make_query("refused.test", 1));
  EXPECT_EQ(first_a(r.reply), (std::array<std::uint8_t, 4>{10, 0, 0, 3}));
}

TEST_F(ForwarderTest, NegativeAnswerCachedWithSoaMinimum) {
  FakeUpstream up(io_, [](const Bytes& q) {
    return std::vector<Bytes>{make_answer(
        q, 3, {{.section = 1, .type = 6, .ttl = 900, .rdata = soa_rdata(45), .owner_is_question = false, .owner = "test"}})};
  });
  auto fwd = make({up.address()});
  ForwardClient client(*fwd, io_);
  Result r = resolve(client, make_query("missing.test", 1));
  EXPECT_EQ(r.reply[3] & 0x0f, dns_wire::rcode::kNxDomain);
  EXPECT_EQ(ttls_of(r.reply), std::vector<std::uint32_t>{45});
  Question q;
  ASSERT_TRUE(parse_question(make_query("missing.test", 1), q));
  std::uint8_t out[512];
  EXPECT_GT(fwd->answer_from_cache(q, false, out), 0u);
}

TEST_F(ForwarderTest, TruncatedUdpAnswerIsRetriedOverTcp) {
  FakeUpstream up(
      io_, [](const Bytes& q) { return std::vector<Bytes>{make_answer(q, 0, {}, true, /*tc=*/true)}; },
      [](const Bytes& q) {
        std::vector<Rr> records;
        for (int i = 0; i < 40; ++i) records.push_back({.rdata = a_rdata(10, 1, 0, static_cast<std::uint8_t>(i))});
        return std::vector<Bytes>{make_answer(q, 0, records)};
      });
  auto fwd = make({up.address()});
  ForwardClient client(*fwd, io_);
  Result r = resolve(client, make_query("big.test", 1), /*tcp=*/true);
  EXPECT_EQ(up.udp_queries, 1);
  EXPECT_EQ(up.tcp_queries, 1);
  EXPECT_EQ(get16(r.reply, 6), 40);
  EXPECT_EQ(r.reply[2] & 0x02, 0);
  // The same answer for a UDP client without EDNS does not fit 512 octets: TC.
  Question q;
  ASSERT_TRUE(parse_question(make_query("big.test", 1), q));
  std::uint8_t out[4096];
  std::size_t n = fwd->answer_from_cache(q, false, out);
  ASSERT_GT(n, 0u);
  EXPECT_EQ(out[2] & 0x02, 0x02);
}

TEST_F(ForwarderTest, IdenticalMissesShareOneUpstreamQuery) {
  FakeUpstream up(io_, answers_a(4));
  auto fwd = make({up.address()});
  ForwardClient client(*fwd, io_);
  std::vector<Result> results(3);
  for (int i = 0; i < 3; ++i) {
    Question q;
    ASSERT_TRUE(parse_question(make_query("same.test", 1, {.id = static_cast<std::uint16_t>(100 + i)}), q));
    client.resolve(q, false, [&results, i](std::span<const std::uint8_t> reply) {
      results[i].called = true;
      results[i].reply.assign(reply.begin(), reply.end());
    });
  }
  EXPECT_EQ(client.in_flight(), 1u);
  run_until([&] { return results[0].called && results[1].called && results[2].called; });
  EXPECT_EQ(up.udp_queries, 1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get16(results[i].reply, 0), 100 + i);
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST_F(ForwarderTest, RandomIdsAndSourcePorts) {
  FakeUpstream up(io_, [](const Bytes& q) { return std::vector<Bytes>{make_answer(q, 2, {})}; });  // never cached
  auto fwd = make({up.address()});
  ForwardClient client(*fwd, io_);
  for (int i = 0; i < 8; ++i) resolve(client, make_query("rand.test", 1));
  std::set<std::uint16_t> ids;
  for (const Bytes& q : up.received) ids.insert(get16(q, 0));
  EXPECT_GE(ids.size(), 7u);
  EXPECT_GE(up.source_ports.size(), 7u);
}

TEST_F(ForwarderTest, AllowListAndDisabled) {
  auto fwd = make({});
  EXPECT_FALSE(fwd->enabled());
  sockaddr_in lo{};
  lo.sin_family = AF_INET;
  lo.sin_addr.s_addr = htonl(0x7f000001);
  EXPECT_FALSE(fwd->allowed(reinterpret_cast<sockaddr*>(&lo)));
  FakeUpstream up(io_, answers_a(1));
  auto on = make({up.address()});
  EXPECT_TRUE(on->allowed(reinterpret_cast<sockaddr*>(&lo)));
  sockaddr_in other = lo;
  other.sin_addr.s_addr = htonl(0x08080808);
  EXPECT_FALSE(on->allowed(reinterpret_cast<sockaddr*>(&other)));
  ForwarderOptions bad;
  bad.upstreams = {"resolver.example:53"};
  EXPECT_FALSE(Forwarder::create(bad, nullptr).ok());
  bad.upstreams = {"1.1.1.1", "[2606:4700::1111]:53", "::1", "127.0.0.1:5353"};
  EXPECT_TRUE(Forwarder::create(bad, nullptr).ok());
}

}  // namespace
}  // namespace mcns::frontend::forward
