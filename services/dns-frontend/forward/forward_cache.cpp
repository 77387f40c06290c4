#include "services/dns-frontend/forward/forward_cache.h"

#include <time.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mcns::frontend::forward {

namespace {

// DO bit, qtype, qclass, then the lower-cased wire name.
constexpr std::size_t kMaxKey = 5 + kMaxNameWire;

std::string_view make_key(const Question& q, char (&buf)[kMaxKey]) noexcept {
  buf[0] = q.do_bit ? 1 : 0;
  buf[1] = static_cast<char>(q.qtype >> 8);
  buf[2] = static_cast<char>(q.qtype);
  buf[3] = static_cast<char>(q.qclass >> 8);
  buf[4] = static_cast<char>(q.qclass);
  std::memcpy(buf + 5, q.lower, q.name_len);
  return std::string_view(buf, 5 + q.name_len);
}

}  // namespace

struct ForwardCache::Entry {
  std::string key;
  std::vector<std::uint8_t> wire;
  std::vector<TtlSlot> ttls;
  std::uint64_t inserted_ms = 0;
  std::uint64_t expires_ms = 0;
  Entry* prev = nullptr;  // towards the most recently used end
  Entry* next = nullptr;
};

struct alignas(64) ForwardCache::Shard {
  std::mutex mu;
  // Keys are views into Entry::key, so a lookup with a stack-built key allocates nothing.
  std::unordered_map<std::string_view, std::unique_ptr<Entry>> map;
  Entry* head = nullptr;  // most recently used
  Entry* tail = nullptr;  // least recently used
  std::size_t capacity = 1;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;

  void unlink(Entry* e) noexcept {
    (e->prev ? e->prev->next : head) = e->next;
    (e->next ? e->next->prev : tail) = e->prev;
    e->prev = e->next = nullptr;
  }
  void push_front(Entry* e) noexcept {
    e->prev = nullptr;
    e->next = head;
    if (head) head->prev = e;
    head = e;
    if (!tail) tail = e;
  }
};

ForwardCache::ForwardCache(std::size_t max_entries) {
  max_entries = std::max<std::size_t>(1, max_entries);
  std::size_t shards = std::clamp<std::size_t>(std::bit_floor(std::max<std::size_t>(1, max_entries / 512)), 1, 64);
  shard_mask_ = shards - 1;
  std::size_t per = (max_entries + shards - 1) / shards;
  for (std::size_t i = 0; i < shards; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    shards_.back()->capacity = per;
    shards_.back()->map.reserve(std::min<std::size_t>(per, 4096));
  }
}

ForwardCache::~ForwardCache() = default;

std::uint64_t ForwardCache::now_ms() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000;
}

ForwardCache::Shard& ForwardCache::shard_for(std::size_t hash) noexcept {
  // The map uses the low bits of the same hash for its buckets; take the high ones here.
  return *shards_[(hash >> 40) & shard_mask_];
}

std::size_t ForwardCache::lookup(const Question& q, std::uint64_t now, std::span<std::uint8_t> out,
                                 std::size_t limit) noexcept {
  char buf[kMaxKey];
  std::string_view key = make_key(q, buf);
  std::size_t hash = std::hash<std::string_view>{}(key);
  Shard& s = shard_for(hash);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(key);
  if (it == s.map.end() || now >= it->second->expires_ms) {
    ++s.misses;
    return 0;  // an expired entry stays until replaced or evicted: no free on the hot path
  }
  Entry* e = it->second.get();
  if (s.head != e) {
    s.unlink(e);
    s.push_front(e);
  }
  ++s.hits;
  auto elapsed = static_cast<std::uint32_t>((now - e->inserted_ms) / 1000);
  return render_answer(AnswerView{e->wire, e->ttls}, elapsed, q, out, limit);
}

void ForwardCache::insert(const Question& q, const PreparedAnswer& a, std::uint64_t now) {
  if (a.lifetime == 0) return;
  auto fresh = std::make_unique<Entry>();
  char buf[kMaxKey];
  std::string_view key = make_key(q, buf);
  fresh->key.assign(key);
  fresh->wire = a.wire;
  fresh->ttls = a.ttls;
  fresh->inserted_ms = now;
  fresh->expires_ms = now + std::uint64_t{a.lifetime} * 1000;

  std::unique_ptr<Entry> dropped;  // freed after the lock is released
  Shard& s = shard_for(std::hash<std::string_view>{}(key));
  std::lock_guard lock(s.mu);
  if (auto it = s.map.find(key); it != s.map.end()) {
    Entry* old = it->second.get();
    s.unlink(old);
    dropped = std::move(it->second);
    s.map.erase(it);
  } else if (s.map.size() >= s.capacity && s.tail) {
    Entry* victim = s.tail;
    s.unlink(victim);
    auto vit = s.map.find(std::string_view(victim->key));
    dropped = std::move(vit->second);
    s.map.erase(vit);
  }
  Entry* e = fresh.get();
  s.map.emplace(std::string_view(e->key), std::move(fresh));
  s.push_front(e);
}

std::size_t ForwardCache::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->map.size();
  }
  return n;
}

std::uint64_t ForwardCache::hits() const {
  std::uint64_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->hits;
  }
  return n;
}

std::uint64_t ForwardCache::misses() const {
  std::uint64_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->misses;
  }
  return n;
}

void ForwardCache::count_miss() noexcept {
  std::lock_guard lock(shards_[0]->mu);
  ++shards_[0]->misses;
}

}  // namespace mcns::frontend::forward
