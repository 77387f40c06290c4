#include "services/dns-frontend/forward/forward_cache.h"

#include <stdlib.h>  // arc4random (glibc >= 2.36)
#include <time.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>
#include <utility>

namespace mcns::frontend::forward {

namespace {

// The cache key is (lower-cased wire name, qtype, qclass, DO bit); qtype and qclass and
// the DO bit travel as one word.
std::uint64_t key_word(const Question& q) noexcept {
  return (std::uint64_t{q.qtype} << 32) | (std::uint64_t{q.qclass} << 16) | (q.do_bit ? 0x100u : 0u) | q.name_len;
}

// A 64-bit hash of the key, eight name octets at a time (the name is at most 255
// octets, q.lower is a 255-octet array: a partial last word is read inside it when it
// can be and masked), seeded per cache so that clients cannot precompute names that
// share a bucket. The buckets use the low bits, the shard the high ones.
inline std::uint64_t key_hash(const Question& q, std::uint64_t seed) noexcept {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = (key_word(q) ^ seed) * kMul;
  const std::uint8_t* p = q.lower;
  std::size_t n = q.name_len;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 31;
  }
  if (n > 0) {
    std::uint64_t w = 0;
    if (static_cast<std::size_t>(p - q.lower) + 8 <= kMaxNameWire) {
      std::memcpy(&w, p, 8);
      w &= (std::uint64_t{1} << (8 * n)) - 1;  // (little-endian: the first n octets)
    } else {
      for (std::size_t i = 0; i < n; ++i) w |= std::uint64_t{p[i]} << (8 * i);
    }
    h = (h ^ w) * kMul;
  }
  // fmix64 (MurmurHash3): every input bit reaches the high and the low bits.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace

// One allocation per entry: the fields below, then the TTL slots, the lower-cased name
// and the answer's wire form, so that a hit reads the bucket and one block.
struct ForwardCache::Entry {
  // Immutable once published (readers see them through acquire loads of the chain).
  std::uint64_t hash = 0;
  std::atomic<Entry*> chain{nullptr};  // next in the bucket
  std::uint64_t key = 0;               // key_word()
  std::uint64_t inserted_ms = 0;
  std::uint64_t expires_ms = 0;
  std::uint32_t wire_len = 0;
  std::uint16_t ttl_count = 0;
  std::atomic<bool> referenced{false};  // set by hits, cleared by the evictor (CLOCK)
  // Writers only (shard lock): footprint, recency list, the chain of unlinked entries.
  std::uint64_t bytes = 0;  // counted in ForwardCache::bytes_
  Entry* prev = nullptr;    // towards the most recently used end
  Entry* next = nullptr;
  Entry* dropped_next = nullptr;

  static std::size_t block_size(std::size_t ttls, std::size_t name_len, std::size_t wire_len) noexcept {
    return sizeof(Entry) + ttls * sizeof(TtlSlot) + name_len + wire_len;
  }
  const TtlSlot* ttls() const noexcept { return reinterpret_cast<const TtlSlot*>(this + 1); }
  TtlSlot* ttls() noexcept { return reinterpret_cast<TtlSlot*>(this + 1); }
  std::size_t name_len() const noexcept { return static_cast<std::uint8_t>(key); }
  const std::uint8_t* name() const noexcept { return reinterpret_cast<const std::uint8_t*>(ttls() + ttl_count); }
  std::uint8_t* name() noexcept { return reinterpret_cast<std::uint8_t*>(ttls() + ttl_count); }
  const std::uint8_t* wire() const noexcept { return name() + name_len(); }
  std::uint8_t* wire() noexcept { return name() + name_len(); }

  static Entry* create(const Question& q, std::uint64_t hash, const PreparedAnswer& a) {
    const std::size_t size = block_size(a.ttls.size(), q.name_len, a.wire.size());
    Entry* e = new (::operator new(size)) Entry;
    e->hash = hash;
    e->key = key_word(q);
    e->wire_len = static_cast<std::uint32_t>(a.wire.size());
    e->ttl_count = static_cast<std::uint16_t>(a.ttls.size());
    if (!a.ttls.empty()) std::memcpy(e->ttls(), a.ttls.data(), a.ttls.size() * sizeof(TtlSlot));
    std::memcpy(e->name(), q.lower, q.name_len);
    std::memcpy(e->wire(), a.wire.data(), a.wire.size());
    return e;
  }
  static void destroy(Entry* e) noexcept {
    e->~Entry();
    ::operator delete(e);
  }
  bool matches(std::uint64_t h, std::uint64_t k, const std::uint8_t* lower) const noexcept {
    return hash == h && key == k && std::memcmp(name(), lower, name_len()) == 0;
  }
};
static_assert(sizeof(ForwardCache::Entry) % alignof(TtlSlot) == 0);

namespace {

// What an entry costs: its one heap block (malloc's per-chunk overhead included) and its
// share of the bucket array (one pointer).
constexpr std::size_t kMallocOverhead = 16;

std::uint64_t footprint_of(std::size_t block) noexcept { return block + kMallocOverhead + sizeof(void*); }

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
    ForwardCache::Entry::destroy(e);
    e = next;
  }
}

}  // namespace

ForwardCache::ForwardCache(std::size_t max_entries, std::uint64_t max_bytes)
    : max_bytes_(max_bytes),
      max_entry_bytes_(max_bytes / kMaxEntryFraction),
      seed_((std::uint64_t{arc4random()} << 32) | arc4random()) {
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
      Entry::destroy(e);
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

std::size_t ForwardCache::shard_index(std::uint64_t hash) const noexcept {
  // The buckets use the low bits of the same hash; take the high ones here.
  return (hash >> 40) & shard_mask_;
}

ForwardCache::Shard& ForwardCache::shard_for(std::uint64_t hash) noexcept { return *shards_[shard_index(hash)]; }

ForwardCache::Reader& ForwardCache::register_reader() {
  std::lock_guard lock(readers_mu_);
  readers_.push_back(std::make_unique<Reader>());
  return *readers_.back();
}

std::size_t ForwardCache::lookup(const Question& q, std::uint64_t now, std::span<std::uint8_t> out,
                                 std::size_t limit, Reader& r) noexcept {
  const std::uint64_t key = key_word(q);
  const std::uint64_t hash = key_hash(q, seed_);
  Shard& s = shard_for(hash);
  // Enter: an odd sequence number, ordered before the chain loads (pairs with the fence
  // in reclaim()).
  // (An exchange is one locked instruction, cheaper than a store followed by a fence.)
  const std::uint64_t seq = r.seq.exchange(r.seq.load(std::memory_order_relaxed) + 1, std::memory_order_seq_cst) + 1;
  std::size_t n = 0;
  Entry* e = s.bucket(hash).load(std::memory_order_seq_cst);
  while (e && !e->matches(hash, key, q.lower)) e = e->chain.load(std::memory_order_acquire);
  if (e && now < e->expires_ms) {
    if (!e->referenced.load(std::memory_order_relaxed)) e->referenced.store(true, std::memory_order_relaxed);
    auto elapsed = static_cast<std::uint32_t>((now - e->inserted_ms) / 1000);
    n = render_answer(AnswerView{std::span<const std::uint8_t>(e->wire(), e->wire_len),
                                 std::span<const TtlSlot>(e->ttls(), e->ttl_count)},
                      elapsed, q, out, limit);
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

void ForwardCache::remove(Shard& s, const Question& q, std::uint64_t hash, Entry*& dropped) noexcept {
  const std::uint64_t key = key_word(q);
  Entry* e = s.bucket(hash).load(std::memory_order_relaxed);
  while (e && !e->matches(hash, key, q.lower)) e = e->chain.load(std::memory_order_relaxed);
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
  const std::uint64_t hash = key_hash(q, seed_);
  Shard& s = shard_for(hash);
  Entry* dropped = nullptr;  // freed by reclaim() once no reader can hold them

  std::unique_ptr<Entry, void (*)(Entry*)> fresh(Entry::create(q, hash, a), &Entry::destroy);
  fresh->inserted_ms = now;
  fresh->expires_ms = now + std::uint64_t{a.lifetime} * 1000;
  fresh->bytes = footprint_of(Entry::block_size(fresh->ttl_count, q.name_len, fresh->wire_len));

  auto publish = [&s](Entry* p) noexcept {
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
      remove(s, q, hash, dropped);
    }
    reclaim(dropped);
    return;
  }

  bool reserved = false;
  {
    std::lock_guard lock(s.mu);
    remove(s, q, hash, dropped);
    while (s.size >= s.capacity && evict_tail(s, dropped)) {
    }
    while (!(reserved = reserve(fresh->bytes)) && evict_tail(s, dropped)) {
    }
    if (reserved) publish(fresh.release());
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
    remove(s, q, hash, dropped);  // an identical insert may have won the race meanwhile
    while (s.size >= s.capacity && evict_tail(s, dropped)) {
    }
    publish(fresh.release());
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
