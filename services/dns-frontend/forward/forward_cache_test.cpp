#include "services/dns-frontend/forward/forward_cache.h"

#include <gtest/gtest.h>

#include <string>

#include "services/dns-frontend/forward/forward_test_util.h"

namespace mcns::frontend::forward {
namespace {

using namespace testing;

Question question(const std::string& name, std::uint16_t type = 1, QueryOptions o = {}) {
  Question q;
  EXPECT_TRUE(parse_question(make_query(name, type, o), q));
  return q;
}

PreparedAnswer answer_for(const std::string& name, std::uint32_t ttl, std::uint16_t type = 1) {
  PreparedAnswer p;
  Bytes a = make_answer(make_query(name, type), 0, {{.type = type, .ttl = ttl, .rdata = a_rdata(1, 2, 3, 4)}});
  EXPECT_EQ(prepare_answer(a, 300, p), PrepareResult::kOk);
  return p;
}

TEST(ForwardCache, HitMissAndCountDown) {
  ForwardCache cache(100);
  std::uint8_t out[1024];
  Question q = question("www.example.com");
  EXPECT_EQ(cache.lookup(q, 1000, out, 512), 0u);
  cache.insert(q, answer_for("www.example.com", 100), 1000);
  Question other_case = question("WWW.EXAMPLE.COM", 1, {.id = 99});
  std::size_t n = cache.lookup(other_case, 1000 + 30'500, out, 512);
  ASSERT_GT(n, 0u);
  Bytes r(out, out + n);
  EXPECT_EQ(get16(r, 0), 99);
  EXPECT_EQ(r[12 + 1], 'W');  // the client's case
  EXPECT_EQ(ttls_of(r)[0], 70u);
  EXPECT_EQ(cache.lookup(q, 1000 + 100'000, out, 512), 0u);  // expired
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(ForwardCache, KeyIncludesTypeClassAndDo) {
  ForwardCache cache(100);
  std::uint8_t out[1024];
  cache.insert(question("a.example"), answer_for("a.example", 60), 0);
  EXPECT_GT(cache.lookup(question("a.example"), 0, out, 512), 0u);
  EXPECT_EQ(cache.lookup(question("a.example", 28), 0, out, 512), 0u);
  EXPECT_EQ(cache.lookup(question("a.example", 1, {.edns = true, .do_bit = true}), 0, out, 512), 0u);
  EXPECT_GT(cache.lookup(question("a.example", 1, {.edns = true}), 0, out, 512), 0u);  // DO clear: same key
}

TEST(ForwardCache, ZeroLifetimeIsNotStored) {
  ForwardCache cache(10);
  PreparedAnswer p = answer_for("z.example", 0);
  cache.insert(question("z.example"), p, 0);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ForwardCache, BoundedWithLruEviction) {
  ForwardCache cache(3);
  std::uint8_t out[1024];
  for (const char* n : {"a.x", "b.x", "c.x"}) cache.insert(question(n), answer_for(n, 60), 0);
  EXPECT_GT(cache.lookup(question("a.x"), 0, out, 512), 0u);  // a is now the most recent
  cache.insert(question("d.x"), answer_for("d.x", 60), 0);    // evicts b
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_GT(cache.lookup(question("a.x"), 0, out, 512), 0u);
  EXPECT_EQ(cache.lookup(question("b.x"), 0, out, 512), 0u);
  EXPECT_GT(cache.lookup(question("c.x"), 0, out, 512), 0u);
  EXPECT_GT(cache.lookup(question("d.x"), 0, out, 512), 0u);
  cache.insert(question("c.x"), answer_for("c.x", 10), 5000);  // replace keeps the size
  EXPECT_EQ(cache.size(), 3u);
}

TEST(ForwardCache, ManyEntriesStayBounded) {
  ForwardCache cache(2000);
  for (int i = 0; i < 10000; ++i) {
    std::string n = "n";
    n += std::to_string(i);
    n += ".example";
    cache.insert(question(n), answer_for(n, 60), 0);
  }
  EXPECT_LE(cache.size(), 2000u + 64u);  // per-shard rounding
  EXPECT_GE(cache.size(), 1500u);
}

}  // namespace
}  // namespace mcns::frontend::forward
