#include "services/dns-frontend/forward/forward_cache.h"

#include <time.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

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
  // Immutable once published (readers see them through acquire loads of the chain).
  std::string key;
  std::size_t hash = 0;
  std::vector<std::uint8_t> wire;
  std::vector<TtlSlot> ttls;
  std::uint64_t inserted_ms = 0;
  std::uint64_t expires_ms = 0;
  std::uint64_t bytes = 0;  // footprint counted in ForwardCache::bytes_
  std::atomic<Entry*> chain{nullptr};       // next in the bucket
  std::atomic<bool> referenced{false};      // set by hits, cleared by the evictor (CLOCK)
  // Writers only (shard lock): recency list and the chain of unlinked entries to free.
  Entry* prev = nullptr;  // towards the most recently used end
  Entry* next = nullptr;
  Entry* dropped_next = nullptr;
};

namespace {

// What an entry costs beyond its vectors' contents: the Entry itself, its bucket's share
// (one pointer), and malloc's per-chunk overhead for each of the (up to) four heap blocks.
// (The constant keeps the old map-node estimate, so budgets keep their meaning.)
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

void free_chain(ForwardCache::Entry* e) noexcept;

}  // namespace

struct alignas(64) ForwardCache::Shard {
  std::mutex mu;  // writers only
  std::unique_ptr<std::atomic<Entry*>[]> buckets;
  std::size_t bucket_mask = 0;
  std::size_t size = 0;   // guarded by mu
  Entry* head = nullptr;  // most recently inserted or given a second chance; guarded by mu
  Entry* tail = nullptr;
  std::size_t capacity = 1;

  std::atomic<Entry*>& bucket(std::size_t hash) noexcept { return buckets[hash & bucket_mask]; }
  void lru_unlink(Entry* e) noexcept {
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

namespace {

void free_chain(ForwardCache::Entry* e) noexcept {
  while (e) {
    ForwardCache::Entry* next = e->dropped_next;
    delete e;
    e = next;
  }
}

}  // namespace

ForwardCache::ForwardCache(std::size_t max_entries, std::uint64_t max_bytes)
    : max_bytes_(max_bytes), max_entry_bytes_(max_bytes / kMaxEntryFraction) {
  max_entries = std::max<std::size_t>(1, max_entries);
  std::size_t shards = std::clamp<std::size_t>(std::bit_floor(std::max<std::size_t>(1, max_entries / 512)), 1, 64);
  shard_mask_ = shards - 1;
  std::size_t per = (max_entries + shards - 1) / shards;
  // Chains of about one entry at capacity; at most 4096 buckets per shard up front.
  std::size_t nb = std::bit_ceil(std::clamp<std::size_t>(per, 8, 4096));
  for (std::size_t i = 0; i < shards; ++i) {
    auto s = std::make_unique<Shard>();
    s->capacity = per;
    s->buckets = std::make_unique<std::atomic<Entry*>[]>(nb);
    for (std::size_t b = 0; b < nb; ++b) s->buckets[b].store(nullptr, std::memory_order_relaxed);
    s->bucket_mask = nb - 1;
    shards_.push_back(std::move(s));
  }
  shared_reader_ = &register_reader();
}

ForwardCache::~ForwardCache() {
  for (auto& s : shards_) {
    for (Entry* e = s->head; e;) {
      Entry* next = e->next;
      delete e;
      e = next;
    }
  }
  free_chain(deferred_);
}

std::uint64_t ForwardCache::now_ms() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000;
}

std::size_t ForwardCache::shard_index(std::size_t hash) const noexcept {
  // The buckets use the low bits of the same hash; take the high ones here.
  return (hash >> 40) & shard_mask_;
}

ForwardCache::Shard& ForwardCache::shard_for(std::size_t hash) noexcept { return *shards_[shard_index(hash)]; }

ForwardCache::Reader& ForwardCache::register_reader() {
  std::lock_guard lock(readers_mu_);
  readers_.push_back(std::make_unique<Reader>());
  return *readers_.back();
}

std::size_t ForwardCache::lookup(const Question& q, std::uint64_t now, std::span<std::uint8_t> out,
                                 std::size_t limit, Reader& r) noexcept {
  char buf[kMaxKey];
  std::string_view key = make_key(q, buf);
  const std::size_t hash = std::hash<std::string_view>{}(key);
  Shard& s = shard_for(hash);
  // Enter: an odd sequence number, ordered before the chain loads (pairs with the fence
  // in reclaim()).
  // (An exchange is one locked instruction, cheaper than a store followed by a fence.)
  const std::uint64_t seq = r.seq.exchange(r.seq.load(std::memory_order_relaxed) + 1, std::memory_order_seq_cst) + 1;
  std::size_t n = 0;
  Entry* e = s.bucket(hash).load(std::memory_order_seq_cst);
  while (e && (e->hash != hash || std::string_view(e->key) != key)) e = e->chain.load(std::memory_order_acquire);
  if (e && now < e->expires_ms) {
    if (!e->referenced.load(std::memory_order_relaxed)) e->referenced.store(true, std::memory_order_relaxed);
    auto elapsed = static_cast<std::uint32_t>((now - e->inserted_ms) / 1000);
    n = render_answer(AnswerView{e->wire, e->ttls}, elapsed, q, out, limit);
    r.hits.store(r.hits.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  } else {
    // An expired entry stays until replaced or evicted: no free on the hot path.
    r.misses.store(r.misses.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  r.seq.store(seq + 1, std::memory_order_release);  // leave (even again)
  return n;
}

std::size_t ForwardCache::lookup(const Question& q, std::uint64_t now, std::span<std::uint8_t> out,
                                 std::size_t limit) noexcept {
  std::lock_guard lock(shared_reader_mu_);
  return lookup(q, now, out, limit, *shared_reader_);
}

bool ForwardCache::reserve(std::uint64_t n) noexcept {
  std::uint64_t cur = bytes_.load(std::memory_order_relaxed);
  do {
    if (n > max_bytes_ - std::min(cur, max_bytes_)) return false;
  } while (!bytes_.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed));
  return true;
}

void ForwardCache::unlink(Shard& s, Entry* e, Entry*& dropped) noexcept {
  // Out of the bucket chain first (readers already on `e` still find its successor).
  std::atomic<Entry*>* link = &s.bucket(e->hash);
  while (link->load(std::memory_order_relaxed) != e) link = &link->load(std::memory_order_relaxed)->chain;
  link->store(e->chain.load(std::memory_order_relaxed), std::memory_order_release);
  s.lru_unlink(e);
  --s.size;
  bytes_.fetch_sub(e->bytes, std::memory_order_relaxed);
  e->dropped_next = dropped;
  dropped = e;
}

bool ForwardCache::evict_tail(Shard& s, Entry*& dropped) noexcept {
  // CLOCK: a referenced tail gets a second chance at the head (bit cleared). Every pass
  // clears a bit, so this ends within 2 x size steps.
  while (Entry* victim = s.tail) {
    if (victim->referenced.load(std::memory_order_relaxed) && victim != s.head) {
      victim->referenced.store(false, std::memory_order_relaxed);
      s.lru_unlink(victim);
      s.push_front(victim);
      continue;
    }
    unlink(s, victim, dropped);
    return true;
  }
  return false;
}

void ForwardCache::remove(Shard& s, std::string_view key, std::size_t hash, Entry*& dropped) noexcept {
  Entry* e = s.bucket(hash).load(std::memory_order_relaxed);
  while (e && (e->hash != hash || std::string_view(e->key) != key)) e = e->chain.load(std::memory_order_relaxed);
  if (e) unlink(s, e, dropped);
}

void ForwardCache::reclaim(Entry* dropped) noexcept {
  std::lock_guard lock(readers_mu_);
  if (dropped) {  // join the deferred ones: one grace period covers all
    Entry* last = dropped;
    while (last->dropped_next) last = last->dropped_next;
    last->dropped_next = deferred_;
    deferred_ = dropped;
  }
  if (!deferred_) return;
  // Every unlink above happened before this fence; a reader whose slot is even now
  // entered after it (and cannot reach an unlinked entry) or left; an odd one is waited
  // for (a lookup takes well under a microsecond; a preempted one is left for later).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  for (const auto& r : readers_) {
    const std::uint64_t v = r->seq.load(std::memory_order_acquire);
    if ((v & 1) == 0) continue;
    int spins = 0;
    while (r->seq.load(std::memory_order_acquire) == v) {
      if (++spins > 1000) return;  // keep deferred_ for the next insert
      if (spins > 100) std::this_thread::yield();
    }
  }
  free_chain(std::exchange(deferred_, nullptr));
}

void ForwardCache::insert(const Question& q, const PreparedAnswer& a, std::uint64_t now) {
  if (a.lifetime == 0) return;
  char buf[kMaxKey];
  std::string_view key = make_key(q, buf);
  const std::size_t hash = std::hash<std::string_view>{}(key);
  Shard& s = shard_for(hash);
  Entry* dropped = nullptr;  // freed by reclaim() once no reader can hold them

  auto fresh = std::make_unique<Entry>();
  fresh->key.assign(key);
  fresh->hash = hash;
  fresh->wire.assign(a.wire.begin(), a.wire.end());  // exact capacity: the footprint is what is held
  fresh->ttls.assign(a.ttls.begin(), a.ttls.end());
  fresh->inserted_ms = now;
  fresh->expires_ms = now + std::uint64_t{a.lifetime} * 1000;
  fresh->bytes = footprint_of(fresh->key, fresh->wire, fresh->ttls, sizeof(Entry));

  auto publish = [&s](std::unique_ptr<Entry> e) noexcept {
    Entry* p = e.release();
    std::atomic<Entry*>& b = s.bucket(p->hash);
    p->chain.store(b.load(std::memory_order_relaxed), std::memory_order_relaxed);
    b.store(p, std::memory_order_release);  // readers see a complete entry
    s.push_front(p);
    ++s.size;
  };

  if (fresh->bytes > max_entry_bytes_) {
    // Too large to cache: still drop an older answer for the same question.
    {
      std::lock_guard lock(s.mu);
      remove(s, key, hash, dropped);
    }
    reclaim(dropped);
    return;
  }

  bool reserved = false;
  {
    std::lock_guard lock(s.mu);
    remove(s, key, hash, dropped);
    while (s.size >= s.capacity && evict_tail(s, dropped)) {
    }
    while (!(reserved = reserve(fresh->bytes)) && evict_tail(s, dropped)) {
    }
    if (reserved) publish(std::move(fresh));
  }
  if (reserved) {
    reclaim(dropped);
    return;
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
  if (reserved) {
    std::lock_guard lock(s.mu);
    remove(s, key, hash, dropped);  // an identical insert may have won the race meanwhile
    while (s.size >= s.capacity && evict_tail(s, dropped)) {
    }
    publish(std::move(fresh));
  }
  reclaim(dropped);  // (not reserved: concurrent inserts hold the budget, not cached this time)
}

std::size_t ForwardCache::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->size;
  }
  return n;
}

std::uint64_t ForwardCache::hits() const {
  std::lock_guard lock(readers_mu_);
  std::uint64_t n = 0;
  for (const auto& r : readers_) n += r->hits.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t ForwardCache::misses() const {
  std::lock_guard lock(readers_mu_);
  std::uint64_t n = extra_misses_.load(std::memory_order_relaxed);
  for (const auto& r : readers_) n += r->misses.load(std::memory_order_relaxed);
  return n;
}

void ForwardCache::count_miss() noexcept { extra_misses_.fetch_add(1, std::memory_order_relaxed); }

}  // namespace mcns::frontend::forward
