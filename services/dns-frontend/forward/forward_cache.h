#pragma once
// The forwarding cache (SPEC section 9): answers from upstream resolvers keyed by
// (lower-cased qname, qtype, qclass, DO bit), kept for the answer's lifetime (min TTL,
// capped at [forward] max_ttl; RFC 2308 negative TTL for NXDOMAIN/NODATA), served with
// TTLs counted down, bounded by [forward] max_entries with per-shard LRU eviction and by
// [forward] max_bytes (SPEC section 16) for the whole process.
//
// Concurrency: a hit takes no lock and writes no shared cache line. The table is split
// into N shards, each a fixed array of buckets whose chains are atomic pointers; entries
// are immutable once published, so a reader walks a chain, copies the answer into the
// caller's buffer and rewrites ID, case, TTLs and OPT there (no allocation). An entry is
// one heap block (its fields, TTL positions, lower-cased name and answer together) and
// the key is hashed once per lookup, eight name octets at a time: a hit reads the bucket
// and that one block. Writers
// (inserts and evictions, the miss path only) take the shard's mutex. A reader marks its
// own slot (an odd sequence number, one fence) while it walks; an evicted or replaced
// entry is unlinked first and freed only once every slot that was odd at that moment
// has moved on (quiescent-state reclamation, as RCU: the wait is one lookup, well under
// a microsecond; an entry whose reader was preempted waits for the next insert).
// Eviction is CLOCK (second chance): a hit sets the entry's referenced bit (only when
// clear), and the evictor moves referenced entries from the tail back to the head
// instead of dropping them, which approximates LRU without writes on the hit path. Hit
// and miss counts live in each reader's slot and are summed at scrape time.
//
// Byte bound: one cache serves every worker, and one atomic byte count covers all shards.
// An insert reserves its entry's footprint (its heap block with malloc's overhead, and
// its share of the bucket array) with a compare-and-swap that never lets the count pass max_bytes; while the
// reservation fails it evicts the least recently used entry of its own shard, then (when
// that shard is empty) the LRU entries of the other shards in turn, one shard lock at a
// time. An answer whose footprint exceeds max_bytes / kMaxEntryFraction is not cached.
// Hits never touch the byte count. An unlinked entry leaves the count at once; its memory
// follows after the grace period above.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "services/dns-frontend/forward/forward_wire.h"

namespace mcns::frontend::forward {

class ForwardCache {
 public:
  // One per thread that looks entries up (a UDP thread, a worker's io thread): the slot
  // that tells writers whether this thread may still be reading an unlinked entry.
  struct alignas(64) Reader {
    std::atomic<std::uint64_t> seq{0};  // odd while inside lookup()
    std::atomic<std::uint64_t> hits{0};    // written by the owner only (load + store)
    std::atomic<std::uint64_t> misses{0};
  };

  static constexpr std::uint64_t kDefaultMaxBytes = 64ull << 20;
  // An entry larger than max_bytes / kMaxEntryFraction is not cached.
  static constexpr std::uint64_t kMaxEntryFraction = 8;

  // `max_entries` >= 1. The shard count grows with it (1 shard below 512 entries) so that
  // small caches still evict in true LRU order. `max_bytes` bounds the footprint of all
  // entries together (see above).
  explicit ForwardCache(std::size_t max_entries, std::uint64_t max_bytes = kDefaultMaxBytes);
  ~ForwardCache();
  ForwardCache(const ForwardCache&) = delete;
  ForwardCache& operator=(const ForwardCache&) = delete;

  // A reader slot for the calling thread, valid as long as the cache. Allocates (setup).
  Reader& register_reader();

  // Hot path. Renders the cached answer for `q` into out[0..limit) (see render_answer)
  // and returns its size; 0 on a miss (absent or expired). `now_ms` from now_ms().
  // `reader` is the calling thread's own slot: no lock, no shared write.
  std::size_t lookup(const Question& q, std::uint64_t now_ms, std::span<std::uint8_t> out, std::size_t limit,
                     Reader& reader) noexcept;
  // The same through a shared slot behind a mutex: tests and tools, never the hot path.
  std::size_t lookup(const Question& q, std::uint64_t now_ms, std::span<std::uint8_t> out,
                     std::size_t limit) noexcept;

  // Stores `a` for `q` when a.lifetime > 0 and it is not too large (replacing an older
  // entry); evicts the least recently used entry of the shard when it is full, and LRU
  // entries (own shard first) while the byte budget is short. Allocates: miss path only.
  void insert(const Question& q, const PreparedAnswer& a, std::uint64_t now_ms);

  std::size_t size() const;
  // Footprint of every entry held (<= max_bytes() at all times).
  std::uint64_t bytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }
  std::uint64_t max_bytes() const noexcept { return max_bytes_; }
  std::uint64_t hits() const;
  std::uint64_t misses() const;
  // Adds to the miss count (a coalesced query that never reached lookup()).
  void count_miss() noexcept;

  // A coarse monotonic clock in milliseconds (CLOCK_MONOTONIC_COARSE: a few ns to read).
  static std::uint64_t now_ms() noexcept;

 struct Entry;  // opaque (forward_cache.cpp)

 private:
  struct Shard;
  std::size_t shard_index(std::uint64_t hash) const noexcept;
  Shard& shard_for(std::uint64_t hash) noexcept;
  bool reserve(std::uint64_t n) noexcept;
  // Unlinks the least recently used unreferenced entry of `s` (lock held) onto
  // `dropped`; false when `s` is empty.
  bool evict_tail(Shard& s, Entry*& dropped) noexcept;
  // Unlinks the entry for `key` from `s` (lock held) onto `dropped`, if there is one.
  void remove(Shard& s, const Question& q, std::uint64_t hash, Entry*& dropped) noexcept;
  void unlink(Shard& s, Entry* e, Entry*& dropped) noexcept;
  // Frees `dropped` once no reader can hold it (or keeps it for the next call).
  void reclaim(Entry* dropped) noexcept;

  std::vector<std::unique_ptr<Shard>> shards_;
  mutable std::mutex readers_mu_;
  std::vector<std::unique_ptr<Reader>> readers_;  // guarded by readers_mu_
  Entry* deferred_ = nullptr;                      // guarded by readers_mu_: awaiting a grace period
  std::atomic<std::uint64_t> extra_misses_{0};     // count_miss()
  std::mutex shared_reader_mu_;
  Reader* shared_reader_ = nullptr;  // the mutex-guarded slot of the four-argument lookup()
  std::size_t shard_mask_ = 0;
  std::uint64_t max_bytes_;
  std::uint64_t max_entry_bytes_;
  std::uint64_t seed_;  // key_hash() seed, random per cache
  alignas(64) std::atomic<std::uint64_t> bytes_{0};  // written on inserts/evictions only
};

}  // namespace mcns::frontend::forward
