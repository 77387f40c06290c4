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
  std::uint64_t bytes = 0;  // footprint counted in ForwardCache::bytes_
  Entry* prev = nullptr;  // towards the most recently used end
  Entry* next = nullptr;
  std::unique_ptr<Entry> dropped_next;  // chains entries to free after the lock is released

  ~Entry() {
    // Iterative, so a long chain of dropped entries cannot recurse deeply.
    while (dropped_next) dropped_next = std::move(dropped_next->dropped_next);
  }
};

namespace {

// What an entry costs beyond its vectors' contents: the Entry itself, the map node
// (string_view key, unique_ptr, cached hash, next pointer) and its bucket slot, and
// malloc's per-chunk overhead for each of the (up to) four heap blocks.
constexpr std::size_t kMapNodeBytes = sizeof(void*) + sizeof(std::string_view) + sizeof(void*) + sizeof(std::size_t);
constexpr std::size_t kMallocOverhead = 16;

std::uint64_t footprint_of(const std::string& key, const std::vector<std::uint8_t>& wire,
                           const std::vector<TtlSlot>& ttls, std::size_t entry_size) noexcept {
  constexpr std::size_t kSso = 15;  // libstdc++ keeps up to 15 chars inside the string
  std::uint64_t n = entry_size + kMapNodeBytes + sizeof(void*) + 2 * kMallocOverhead;
  if (key.capacity() > kSso) n += key.capacity() + 1 + kMallocOverhead;
  if (wire.capacity() > 0) n += wire.capacity() + kMallocOverhead;
  if (ttls.capacity() > 0) n += ttls.capacity() * sizeof(TtlSlot) + kMallocOverhead;
  return n;
}

}  // namespace

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

ForwardCache::ForwardCache(std::size_t max_entries, std::uint64_t max_bytes)
    : max_bytes_(max_bytes), max_entry_bytes_(max_bytes / kMaxEntryFraction) {
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

std::size_t ForwardCache::shard_index(std::size_t hash) const noexcept {
  // The map uses the low bits of the same hash for its buckets; take the high ones here.
  return (hash >> 40) & shard_mask_;
}

ForwardCache::Shard& ForwardCache::shard_for(std::size_t hash) noexcept { return *shards_[shard_index(hash)]; }

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

bool ForwardCache::reserve(std::uint64_t n) noexcept {
  std::uint64_t cur = bytes_.load(std::memory_order_relaxed);
  do {
    if (n > max_bytes_ - std::min(cur, max_bytes_)) return false;
  } while (!bytes_.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed));
  return true;
}

bool ForwardCache::evict_tail(Shard& s, std::unique_ptr<Entry>& dropped) noexcept {
  Entry* victim = s.tail;
  if (!victim) return false;
  s.unlink(victim);
  auto it = s.map.find(std::string_view(victim->key));
  bytes_.fetch_sub(victim->bytes, std::memory_order_relaxed);
  std::unique_ptr<Entry> e = std::move(it->second);
  s.map.erase(it);
  e->dropped_next = std::move(dropped);
  dropped = std::move(e);
  return true;
}

void ForwardCache::remove(Shard& s, std::string_view key, std::unique_ptr<Entry>& dropped) noexcept {
  auto it = s.map.find(key);
  if (it == s.map.end()) return;
  Entry* old = it->second.get();
  s.unlink(old);
  bytes_.fetch_sub(old->bytes, std::memory_order_relaxed);
  std::unique_ptr<Entry> e = std::move(it->second);
  s.map.erase(it);
  e->dropped_next = std::move(dropped);
  dropped = std::move(e);
}

void ForwardCache::insert(const Question& q, const PreparedAnswer& a, std::uint64_t now) {
  if (a.lifetime == 0) return;
  char buf[kMaxKey];
  std::string_view key = make_key(q, buf);
  const std::size_t hash = std::hash<std::string_view>{}(key);
  Shard& s = shard_for(hash);
  std::unique_ptr<Entry> dropped;  // freed after the locks are released (declared first: dies last)

  auto fresh = std::make_unique<Entry>();
  fresh->key.assign(key);
  fresh->wire.assign(a.wire.begin(), a.wire.end());  // exact capacity: the footprint is what is held
  fresh->ttls.assign(a.ttls.begin(), a.ttls.end());
  fresh->inserted_ms = now;
  fresh->expires_ms = now + std::uint64_t{a.lifetime} * 1000;
  fresh->bytes = footprint_of(fresh->key, fresh->wire, fresh->ttls, sizeof(Entry));

  if (fresh->bytes > max_entry_bytes_) {
    // Too large to cache: still drop an older answer for the same question.
    std::lock_guard lock(s.mu);
    remove(s, key, dropped);
    return;
  }

  bool reserved = false;
  {
    std::lock_guard lock(s.mu);
    remove(s, key, dropped);
    while (s.map.size() >= s.capacity && evict_tail(s, dropped)) {
    }
    while (!(reserved = reserve(fresh->bytes)) && evict_tail(s, dropped)) {
    }
    if (reserved) {
      Entry* e = fresh.get();
      s.map.emplace(std::string_view(e->key), std::move(fresh));
      s.push_front(e);
      return;
    }
  }

  // This shard is empty and the budget is held by the others: take their least recently
  // used entries in turn (one lock at a time), until the entry fits or nothing is left.
  const std::size_t n = shards_.size();
  const std::size_t own = shard_index(hash);
  bool evicted_any = true;
  while (!reserved && evicted_any) {
    evicted_any = false;
    for (std::size_t i = 1; i < n && !reserved; ++i) {
      Shard& other = *shards_[(own + i) & shard_mask_];
      {
        std::lock_guard lock(other.mu);
        if (evict_tail(other, dropped)) evicted_any = true;
      }
      reserved = reserve(fresh->bytes);
    }
  }
  if (!reserved) return;  // concurrent inserts hold the budget: not cached this time

  std::lock_guard lock(s.mu);
  remove(s, key, dropped);  // an identical insert may have won the race meanwhile
  while (s.map.size() >= s.capacity && evict_tail(s, dropped)) {
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
