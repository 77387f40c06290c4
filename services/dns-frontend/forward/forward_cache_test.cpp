#include "services/dns-frontend/forward/forward_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

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

// An answer with one record of `rdata_size` octets (a stand-in for a big TXT answer).
PreparedAnswer big_answer_for(const std::string& name, std::size_t rdata_size, std::uint32_t ttl = 60) {
  PreparedAnswer p;
  Bytes a = make_answer(make_query(name, 16), 0, {{.type = 16, .ttl = ttl, .rdata = Bytes(rdata_size, 'x')}});
  EXPECT_EQ(prepare_answer(a, 300, p), PrepareResult::kOk);
  return p;
}

// Names of one length, so their entries have the same footprint.
std::string nth(const char* prefix, int i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04d", i);
  return std::string(prefix) + buf + ".example";
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

TEST(ForwardCacheBytes, FootprintCountsAnswerKeyAndOverhead) {
  ForwardCache cache(100, 1 << 20);
  EXPECT_EQ(cache.bytes(), 0u);
  PreparedAnswer p = big_answer_for("f.example", 1000);
  cache.insert(question("f.example", 16), p, 0);
  std::uint64_t one = cache.bytes();
  EXPECT_GT(one, p.wire.size() + p.ttls.size() * sizeof(TtlSlot) + 9);  // answer + key + overhead
  EXPECT_LT(one, p.wire.size() + 512);                                   // but not wildly more
  cache.insert(question("f.example", 16), p, 0);  // a replacement does not count twice
  EXPECT_EQ(cache.bytes(), one);
}

TEST(ForwardCacheBytes, TotalStaysWithinMaxBytesWithLruEviction) {
  constexpr std::uint64_t kMax = 64 * 1024;
  // 500 entries: one shard (true LRU), and the entry bound is far away: bytes decide.
  ForwardCache cache(500, kMax);
  std::uint8_t out[4096];
  cache.insert(question(nth("n", 0), 16), big_answer_for(nth("n", 0), 2000), 0);
  const std::uint64_t per = cache.bytes();
  const std::uint64_t fit = kMax / per;  // entries of this size that fit
  ASSERT_GE(fit, 10u);
  for (int i = 1; i < 200; ++i) {
    cache.insert(question(nth("n", i), 16), big_answer_for(nth("n", i), 2000), 0);
    ASSERT_LE(cache.bytes(), kMax) << i;
    if (static_cast<std::uint64_t>(i) + 1 <= fit) {
      ASSERT_EQ(cache.size(), static_cast<std::size_t>(i) + 1);
    }
    if (i == 5) {
      // Touch n0: it becomes the most recently used, so the first victim is n1.
      ASSERT_GT(cache.lookup(question(nth("n", 0), 16), 0, out, sizeof out), 0u);
    }
    if (static_cast<std::uint64_t>(i) == fit) {  // the first insert over the budget
      EXPECT_EQ(cache.lookup(question(nth("n", 1), 16), 0, out, sizeof out), 0u);
      EXPECT_GT(cache.lookup(question(nth("n", 0), 16), 0, out, sizeof out), 0u);
      EXPECT_GT(cache.lookup(question(nth("n", 2), 16), 0, out, sizeof out), 0u);
    }
  }
  EXPECT_EQ(cache.size(), fit);
  EXPECT_EQ(cache.bytes(), fit * per);
  // The survivors are the most recent ones.
  EXPECT_GT(cache.lookup(question(nth("n", 199), 16), 0, out, sizeof out), 0u);
  EXPECT_GT(cache.lookup(question(nth("n", static_cast<int>(200 - fit)), 16), 0, out, sizeof out), 0u);
  EXPECT_EQ(cache.lookup(question(nth("n", static_cast<int>(199 - fit)), 16), 0, out, sizeof out), 0u);
}

TEST(ForwardCacheBytes, VictimIsTheLeastRecentlyUsed) {
  std::uint8_t out[4096];
  std::uint64_t per = 0;
  {
    ForwardCache probe(100, 1 << 20);
    probe.insert(question(nth("v", 0), 16), big_answer_for(nth("v", 0), 1000), 0);
    per = probe.bytes();
  }
  // A budget of exactly sixteen entries of this size (the largest entry allowed: two).
  ForwardCache cache(100, 16 * per);
  for (int i = 0; i < 16; ++i) cache.insert(question(nth("v", i), 16), big_answer_for(nth("v", i), 1000), 0);
  ASSERT_EQ(cache.size(), 16u);
  ASSERT_EQ(cache.bytes(), 16 * per);
  ASSERT_GT(cache.lookup(question(nth("v", 0), 16), 0, out, sizeof out), 0u);  // v1 is now the LRU
  cache.insert(question(nth("v", 16), 16), big_answer_for(nth("v", 16), 1000), 0);
  EXPECT_EQ(cache.size(), 16u);
  EXPECT_EQ(cache.bytes(), 16 * per);
  EXPECT_EQ(cache.lookup(question(nth("v", 1), 16), 0, out, sizeof out), 0u);  // (a miss touches nothing)
  // Oldest first: v2, v3, ..., v15, v0, v16. An answer of about 1.5 entries needs two
  // victims: v2 and v3.
  cache.insert(question(nth("v", 17), 16), big_answer_for(nth("v", 17), 1000 + per / 2), 0);
  EXPECT_EQ(cache.size(), 15u);
  EXPECT_LE(cache.bytes(), 16 * per);
  EXPECT_EQ(cache.lookup(question(nth("v", 2), 16), 0, out, sizeof out), 0u);
  EXPECT_EQ(cache.lookup(question(nth("v", 3), 16), 0, out, sizeof out), 0u);
  for (int i : {0, 4, 5, 15, 16, 17}) EXPECT_GT(cache.lookup(question(nth("v", i), 16), 0, out, sizeof out), 0u) << i;
}

TEST(ForwardCacheBytes, AnswerTooLargeForTheBudgetIsNotCached) {
  constexpr std::uint64_t kMax = 64 * 1024;
  ForwardCache cache(1000, kMax);
  std::uint8_t out[65535];
  cache.insert(question("small.x", 16), big_answer_for("small.x", 100), 0);
  const std::uint64_t before = cache.bytes();
  // Over max_bytes / kMaxEntryFraction (8 KiB here): not cached, and nothing evicted for it.
  cache.insert(question("huge.x", 16), big_answer_for("huge.x", kMax / ForwardCache::kMaxEntryFraction), 0);
  EXPECT_EQ(cache.lookup(question("huge.x", 16), 0, out, sizeof out), 0u);
  EXPECT_EQ(cache.bytes(), before);
  EXPECT_GT(cache.lookup(question("small.x", 16), 0, out, sizeof out), 0u);
  // Just under the fraction: cached.
  cache.insert(question("fits.x", 16), big_answer_for("fits.x", kMax / ForwardCache::kMaxEntryFraction - 400), 0);
  EXPECT_GT(cache.lookup(question("fits.x", 16), 0, out, sizeof out), 0u);
  // A too-large answer replacing a cached one drops the old one.
  cache.insert(question("small.x", 16), big_answer_for("small.x", 60000), 0);
  EXPECT_EQ(cache.lookup(question("small.x", 16), 0, out, sizeof out), 0u);
  EXPECT_LE(cache.bytes(), kMax);
}

TEST(ForwardCacheBytes, EvictsFromOtherShardsWhenItsOwnIsEmpty) {
  // 100000 entries: 64 shards. One byte budget covers them all.
  constexpr std::uint64_t kMax = 32 * 1024;
  ForwardCache cache(100000, kMax);
  std::uint8_t out[4096];
  for (int i = 0; i < 500; ++i) {
    cache.insert(question(nth("s", i), 16), big_answer_for(nth("s", i), 1500), 0);
    ASSERT_LE(cache.bytes(), kMax) << i;
  }
  EXPECT_GE(cache.size(), 10u);  // the budget is used, not stranded in other shards
  EXPECT_GT(cache.lookup(question(nth("s", 499), 16), 0, out, sizeof out), 0u);
}

TEST(ForwardCacheBytes, OneBoundAcrossConcurrentWorkers) {
  // Two worker threads inserting and hitting the one shared cache, a third watching the
  // byte count: it never passes max_bytes.
  constexpr std::uint64_t kMax = 256 * 1024;
  ForwardCache cache(100000, kMax);
  std::vector<PreparedAnswer> answers[2];
  for (int w = 0; w < 2; ++w)
    for (int i = 0; i < 300; ++i) {
      std::string n = nth(w == 0 ? "w0-" : "w1-", i);
      answers[w].push_back(big_answer_for(n, 500 + static_cast<std::size_t>(i % 7) * 700));
    }
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> peak{0};
  std::thread watcher([&] {
    while (!done.load()) {
      std::uint64_t b = cache.bytes();
      if (b > peak.load()) peak.store(b);
    }
  });
  std::vector<std::thread> workers;
  std::atomic<int> hits{0};
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&, w] {
      std::vector<std::uint8_t> out(65535);
      for (int round = 0; round < 5; ++round)
        for (int i = 0; i < 300; ++i) {
          Question q = question(nth(w == 0 ? "w0-" : "w1-", i), 16);
          if (cache.lookup(q, 0, out, out.size()) > 0) {
            ++hits;
            continue;
          }
          cache.insert(q, answers[w][static_cast<std::size_t>(i)], 0);
        }
    });
  for (auto& t : workers) t.join();
  done = true;
  watcher.join();
  EXPECT_LE(peak.load(), kMax);
  EXPECT_LE(cache.bytes(), kMax);
  EXPECT_GT(cache.bytes(), kMax / 2);  // the budget is actually used
  EXPECT_GT(hits.load(), 0);
  // The count matches what is held: drop everything by re-inserting too-large answers.
  for (int w = 0; w < 2; ++w)
    for (int i = 0; i < 300; ++i) {
      std::string n = nth(w == 0 ? "w0-" : "w1-", i);
      cache.insert(question(n, 16), big_answer_for(n, 60000), 0);
    }
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace mcns::frontend::forward

namespace mcns::frontend::forward {
namespace {

// Hits take no lock: readers walk chains while a writer inserts, replaces and evicts
// (CLOCK) in a small cache; every answer a reader gets must be whole and for its own
// question, and the byte bound must hold throughout (run under ASan: no use after free).
TEST(ForwardCacheConcurrency, LockFreeHitsWhileWritersEvict) {
  ForwardCache cache(64, 64 * 400);
  constexpr int kNames = 256;
  std::vector<Question> qs;
  std::vector<PreparedAnswer> as;
  for (int i = 0; i < kNames; ++i) {
    qs.push_back(question(nth("c", i)));
    as.push_back(answer_for(nth("c", i), 60));
  }
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> hits{0}, bad{0};
  std::atomic<int> readers_started{0};
  auto reader = [&](int seed) {
    ForwardCache::Reader& r = cache.register_reader();
    readers_started.fetch_add(1);
    std::uint8_t out[512];
    unsigned x = static_cast<unsigned>(seed);
    while (!stop.load(std::memory_order_relaxed)) {
      x = x * 1103515245u + 12345u;
      const Question& q = qs[(x >> 8) % kNames];
      std::size_t n = cache.lookup(q, 1000, out, sizeof out, r);
      if (n == 0) continue;
      hits.fetch_add(1, std::memory_order_relaxed);
      // ID echoed, and the question's name right after the header.
      bool ok = n > 12u + q.name_len && out[0] == (q.id >> 8) && out[1] == (q.id & 0xff) &&
                std::memcmp(out + 12, q.name, q.name_len) == 0;
      if (!ok) bad.fetch_add(1, std::memory_order_relaxed);
    }
  };
  std::thread r1(reader, 1), r2(reader, 2);
  // The writer runs while both readers run (however the threads are scheduled): at least
  // 200 rounds, and on until the readers have had hits (bounded, for a stuck machine).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int round = 0; round < 200 || ((readers_started.load() < 2 || hits.load() < 1000) &&
                                      std::chrono::steady_clock::now() < deadline);
       ++round) {
    for (int i = 0; i < kNames; ++i) {
      cache.insert(qs[static_cast<std::size_t>(i)], as[static_cast<std::size_t>(i)], 1000);
      ASSERT_LE(cache.bytes(), cache.max_bytes());
    }
  }
  stop = true;
  r1.join();
  r2.join();
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_GT(hits.load(), 0u);
  EXPECT_EQ(cache.hits(), hits.load());
  EXPECT_LE(cache.size(), 64u);
}

}  // namespace
}  // namespace mcns::frontend::forward
