#pragma once
// The forwarding cache (SPEC section 9): answers from upstream resolvers keyed by
// (lower-cased qname, qtype, qclass, DO bit), kept for the answer's lifetime (min TTL,
// capped at [forward] max_ttl; RFC 2308 negative TTL for NXDOMAIN/NODATA), served with
// TTLs counted down, bounded by [forward] max_entries with per-shard LRU eviction and by
// [forward] max_bytes (SPEC section 16) for the whole process.
//
// Concurrency: N shards, each with its own mutex, map and LRU list, so workers hitting
// different names do not contend. A hit takes one shard mutex, copies the answer into the
// caller's buffer and rewrites ID, case, TTLs and OPT there: no allocation. Hit and miss
// counts live in the shards (under the shard lock already held) and are summed at scrape
// time, so counting costs no extra shared-cache-line write.
//
// Byte bound: one cache serves every worker, and one atomic byte count covers all shards.
// An insert reserves its entry's footprint (answer, TTL slots, key, entry and map node
// overhead) with a compare-and-swap that never lets the count pass max_bytes; while the
// reservation fails it evicts the least recently used entry of its own shard, then (when
// that shard is empty) the LRU entries of the other shards in turn, one shard lock at a
// time. An answer whose footprint exceeds max_bytes / kMaxEntryFraction is not cached.
// Hits never touch the byte count.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "services/dns-frontend/forward/forward_wire.h"

namespace mcns::frontend::forward {

class ForwardCache {
 public:
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

  // Hot path. Renders the cached answer for `q` into out[0..limit) (see render_answer)
  // and returns its size; 0 on a miss (absent or expired). `now_ms` from now_ms().
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

 private:
  struct Entry;
  struct Shard;
  std::size_t shard_index(std::size_t hash) const noexcept;
  Shard& shard_for(std::size_t hash) noexcept;
  bool reserve(std::uint64_t n) noexcept;
  // Unlinks the LRU entry of `s` (lock held) onto `dropped`; false when `s` is empty.
  bool evict_tail(Shard& s, std::unique_ptr<Entry>& dropped) noexcept;
  // Removes the entry for `key` from `s` (lock held) onto `dropped`, if there is one.
  void remove(Shard& s, std::string_view key, std::unique_ptr<Entry>& dropped) noexcept;

  std::vector<std::unique_ptr<Shard>> shards_;
  std::size_t shard_mask_ = 0;
  std::uint64_t max_bytes_;
  std::uint64_t max_entry_bytes_;
  alignas(64) std::atomic<std::uint64_t> bytes_{0};  // written on inserts/evictions only
};

}  // namespace mcns::frontend::forward
