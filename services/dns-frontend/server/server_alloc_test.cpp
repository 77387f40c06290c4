// The per-query paths of the workers allocate nothing (STYLE.md 3.4, house rule 3): UDP
// and TCP, authoritative answers, NXDOMAIN, malformed queries and forwarding-cache hits.
// Global operator new is replaced to count allocations in every thread; during the
// measured phase the only other thread, the test's, makes raw syscalls on buffers
// prepared in advance, so every counted allocation would be the server's.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "common/dns/rr_type.h"
#include "common/zone/zone_set_builder.h"
#include "services/dns-frontend/forward/forward_test_util.h"
#include "services/dns-frontend/forward/forwarder.h"
#include "services/dns-frontend/server/server.h"

// The replacements below pair malloc with free; GCC cannot see that through inlining.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  std::size_t align = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace mcns::frontend::server {
namespace {

namespace fw = forward::testing;

bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 2000) == 1;
}

// `cookie` data appended as a COOKIE option to an EDNS query (its OPT is last, RDLENGTH 0).
fw::Bytes with_cookie(fw::Bytes q, const fw::Bytes& cookie) {
  q[q.size() - 1] = static_cast<std::uint8_t>(4 + cookie.size());
  q.insert(q.end(), {0, 10, 0, static_cast<std::uint8_t>(cookie.size())});
  q.insert(q.end(), cookie.begin(), cookie.end());
  return q;
}

void measure(const ServerOptions& options, bool cookies) {
  zone::SnapshotHolder holder;
  {
    zone::ZoneSetBuilder b;
    zone::SoaParams soa;
    soa.primary_ns = "ns.example.com.";
    soa.admin = "hostmaster.example.com.";
    ASSERT_TRUE(b.upsert_zone("example.com", soa).ok());
    ASSERT_TRUE(b.add_record("example.com", "www", dns::type::kA, 300, std::vector<std::uint8_t>{192, 0, 2, 1}).ok());
    auto built = b.build();
    ASSERT_TRUE(built.ok());
    holder.publish(*built);
  }
  forward::ForwarderOptions fo;
  fo.upstreams = {"127.0.0.1:9"};  // never reached: the test only asks cached names
  fo.allow = {"127.0.0.1/32"};
  auto fwd = forward::Forwarder::create(fo, nullptr);
  ASSERT_TRUE(fwd.ok());
  {
    fw::Bytes q = fw::make_query("cached.test", 1);
    forward::Question question;
    ASSERT_TRUE(forward::parse_question(q, question));
    forward::PreparedAnswer a;
    ASSERT_EQ(forward::prepare_answer(fw::make_answer(q, 0, {{.rdata = fw::a_rdata(10, 0, 0, 1)}}), 300, a),
              forward::PrepareResult::kOk);
    (*fwd)->cache().insert(question, a, forward::ForwardCache::now_ms());
  }
  auto server = Server::bind(options, holder, fwd->get(), nullptr);
  ASSERT_TRUE(server.ok()) << server.status();
  (*server)->start();
  std::string bound = (*server)->bound_addresses().at(0);
  std::uint16_t port = static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));

  // Everything the measured loop needs is allocated here.
  std::vector<fw::Bytes> queries = {
      fw::make_query("www.example.com", 1, {.id = 1}),
      fw::make_query("WWW.Example.COM", 1, {.id = 2, .edns = true}),
      fw::make_query("nope.example.com", 1, {.id = 3}),
      fw::make_query("www.example.com", 28, {.id = 4}),
      fw::make_query("cached.test", 1, {.id = 5}),
      fw::make_query("Cached.Test", 1, {.id = 6, .edns = true}),
      fw::Bytes{0, 7, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1},  // qdcount 2: FORMERR
  };
  if (cookies) {
    const fw::Bytes client = {1, 2, 3, 4, 5, 6, 7, 8};
    fw::Bytes bad_server = client;
    bad_server.insert(bad_server.end(), {1, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9});
    queries.push_back(with_cookie(fw::make_query("www.example.com", 1, {.id = 8, .edns = true}), client));
    queries.push_back(with_cookie(fw::make_query("www.example.com", 1, {.id = 9, .edns = true}), bad_server));
    queries.push_back(with_cookie(fw::make_query("www.example.com", 1, {.id = 10, .edns = true}), fw::Bytes(5, 1)));
  }
  std::vector<std::uint8_t> reply(65535);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(::connect(udp, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(tcp, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  std::vector<fw::Bytes> frames;
  for (const auto& q : queries) {
    fw::Bytes f(2 + q.size());
    f[0] = static_cast<std::uint8_t>(q.size() >> 8);
    f[1] = static_cast<std::uint8_t>(q.size());
    std::copy(q.begin(), q.end(), f.begin() + 2);
    frames.push_back(std::move(f));
  }

  int answered = 0;
  auto round = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const fw::Bytes& q = queries[static_cast<std::size_t>(i) % queries.size()];
      if (::send(udp, q.data(), q.size(), 0) < 0 || !wait_readable(udp)) return;
      if (::recv(udp, reply.data(), reply.size(), 0) >= 12) ++answered;
      const fw::Bytes& f = frames[static_cast<std::size_t>(i) % frames.size()];
      if (::send(tcp, f.data(), f.size(), 0) < 0) return;
      std::size_t got = 0, want = 2;
      while (got < want) {
        if (!wait_readable(tcp)) return;
        ssize_t r = ::recv(tcp, reply.data() + got, want - got, 0);
        if (r <= 0) return;
        got += static_cast<std::size_t>(r);
        if (got == 2 && want == 2) want = 2 + ((std::size_t{reply[0]} << 8) | reply[1]);
      }
      ++answered;
    }
  };
  round(500);  // warm-up: buffers reach their steady size, Asio's handler memory is recycled
  ASSERT_EQ(answered, 1000);
  long before = g_allocations.load();
  round(3000);
  long after = g_allocations.load();
  EXPECT_EQ(answered, 7000);
  EXPECT_EQ(after - before, 0) << "allocations during 3000 UDP + 3000 TCP queries";
  ::close(udp);
  ::close(tcp);
  EXPECT_TRUE((*server)->stop(std::chrono::seconds(5)));
}

TEST(ServerAllocations, NonePerQueryOnUdpAndTcp) { measure({.listen = {"127.0.0.1:0"}, .threads = 2}, false); }

// SPEC 16 on: RRL at 1 answer/s with slip 1 (so every limited UDP answer still comes back,
// truncated: the limited path is measured, not skipped) and cookie queries (new,
// BADCOOKIE over UDP / invalid over TCP, malformed).
TEST(ServerAllocations, NonePerQueryWithRrlAndCookies) {
  measure({.listen = {"127.0.0.1:0"}, .threads = 2, .rrl_responses_per_second = 1, .rrl_slip = 1}, true);
}

}  // namespace
}  // namespace mcns::frontend::server
