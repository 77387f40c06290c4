#pragma once
// Response rate limiting (SPEC 16): token buckets per client prefix (/24 IPv4, /56
// IPv6) in a fixed-size table, allocated once, for ONE thread (no lock, no atomic, no
// allocation per query). Time is whole seconds; a bucket holds at most one second of
// tokens (burst = rate) and is refilled by `rate` per elapsed second when next used.
//
// Table: kRrlBuckets slots of 16 octets, indexed by SipHash-2-4 of the prefix under a
// random per-process key (so nobody can aim a prefix at another's slot). A slot owned by
// another prefix is taken over when that prefix has not been seen for 2 seconds or has
// a full bucket (it is then indistinguishable from a fresh one); otherwise the two share
// it, which can only limit sooner, never later. Like Knot's fixed table (no chaining;
// aging by the bucket's last-seen second instead of a sweeper).
//
// Over the limit: every `slip`-th limited answer goes out truncated (TC=1, sections
// emptied) so a real client retries over TCP, the others are dropped; slip 0 = drop
// all, 1 = truncate all (Knot's rate-limit-slip).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "services/dns-frontend/query/cookies.h"
#include "services/dns-frontend/query/siphash.h"

namespace mcns::frontend {

inline constexpr std::size_t kRrlBuckets = 1u << 16;  // per limiter (per UDP thread): 1 MiB

enum class RrlVerdict : std::uint8_t { kPass, kSlip, kDrop };

class RateLimiter {
 public:
  // `rate`: responses per second per prefix for this limiter (> 0). `buckets`: a power
  // of two.
  RateLimiter(std::uint32_t rate, std::uint32_t slip, const SipKey& hash_key, std::size_t buckets = kRrlBuckets);

  RrlVerdict check(const ClientAddress& client, std::uint32_t now) noexcept;
  std::uint32_t rate() const noexcept { return rate_; }

 private:
  struct Bucket {
    std::uint64_t prefix = 0;  // family tag | prefix octets; 0 = never used
    std::uint32_t second = 0;  // last refill
    std::int32_t tokens = 0;
  };
  static_assert(sizeof(Bucket) == 16);

  std::uint32_t rate_;
  std::uint32_t slip_;
  std::uint32_t limited_ = 0;  // limited answers so far (slip counter)
  SipKey key_;
  std::size_t mask_;
  std::unique_ptr<Bucket[]> table_;
};

// The share of `rate` that limiter `index` of `count` enforces: the shares add up to
// `rate`, each at least 1 (so with rate < count the process admits up to `count`).
std::uint32_t rrl_share(std::uint32_t rate, std::size_t index, std::size_t count) noexcept;

}  // namespace mcns::frontend
