#pragma once
// The forwarding cache (SPEC section 9): answers from upstream resolvers keyed by
// (lower-cased qname, qtype, qclass, DO bit), kept for the answer's lifetime (min TTL,
// capped at [forward] max_ttl; RFC 2308 negative TTL for NXDOMAIN/NODATA), served with
// TTLs counted down, bounded by [forward] max_entries with per-shard LRU eviction.
//
// Concurrency: N shards, each with its own mutex, map and LRU list, so workers hitting
// different names do not contend. A hit takes one shard mutex, copies the answer into the
// caller's buffer and rewrites ID, case, TTLs and OPT there: no allocation. Hit and miss
// counts live in the shards (under the shard lock already held) and are summed at scrape
// time, so counting costs no extra shared-cache-line write.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "services/dns-frontend/forward/forward_wire.h"

namespace mcns::frontend::forward {

class ForwardCache {
 public:
  // `max_entries` >= 1. The shard count grows with it (1 shard below 512 entries) so that
  // small caches still evict in true LRU order.
  explicit ForwardCache(std::size_t max_entries);
  ~ForwardCache();
  ForwardCache(const ForwardCache&) = delete;
  ForwardCache& operator=(const ForwardCache&) = delete;

  // Hot path. Renders the cached answer for `q` into out[0..limit) (see render_answer)
  // and returns its size; 0 on a miss (absent or expired). `now_ms` from now_ms().
  std::size_t lookup(const Question& q, std::uint64_t now_ms, std::span<std::uint8_t> out,
                     std::size_t limit) noexcept;

  // Stores `a` for `q` when a.lifetime > 0 (replacing an older entry); evicts the least
  // recently used entry of the shard when it is full. Allocates: miss path only.
  void insert(const Question& q, const PreparedAnswer& a, std::uint64_t now_ms);

  std::size_t size() const;
  std::uint64_t hits() const;
  std::uint64_t misses() const;
  // Adds to the miss count (a coalesced query that never reached lookup()).
  void count_miss() noexcept;

  // A coarse monotonic clock in milliseconds (CLOCK_MONOTONIC_COARSE: a few ns to read).
  static std::uint64_t now_ms() noexcept;

 private:
  struct Entry;
  struct Shard;
  Shard& shard_for(std::size_t hash) noexcept;

  std::vector<std::unique_ptr<Shard>> shards_;
  std::size_t shard_mask_ = 0;
};

}  // namespace mcns::frontend::forward
