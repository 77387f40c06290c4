#include "services/dns-frontend/query/rrl.h"

#include <cstring>

namespace mcns::frontend {

RateLimiter::RateLimiter(std::uint32_t rate, std::uint32_t slip, const SipKey& hash_key, std::size_t buckets)
    : rate_(rate ? rate : 1), slip_(slip), key_(hash_key), mask_(buckets - 1), table_(new Bucket[buckets]) {}

RrlVerdict RateLimiter::check(const ClientAddress& client, std::uint32_t now) noexcept {
  std::uint8_t p[8] = {};
  if (client.length == 4) {
    p[0] = 4;
    std::memcpy(p + 1, client.bytes, 3);  // /24
  } else {
    p[0] = 6;
    std::memcpy(p + 1, client.bytes, 7);  // /56
  }
  std::uint64_t prefix = 0;
  std::memcpy(&prefix, p, 8);
  Bucket& b = table_[siphash24(key_, p) & mask_];
  if (b.prefix != prefix) {
    const bool stale = b.prefix == 0 || static_cast<std::int32_t>(now - b.second) >= 2 ||
                       b.tokens >= static_cast<std::int32_t>(rate_);
    if (stale) {
      b.prefix = prefix;
      b.second = now;
      b.tokens = static_cast<std::int32_t>(rate_);
    }
  }
  if (b.second != now) {
    const auto elapsed = static_cast<std::int32_t>(now - b.second);
    if (elapsed > 0) {  // a clock stepped back refills nothing
      const std::int64_t t = std::int64_t{b.tokens} + std::int64_t{rate_} * elapsed;
      b.tokens = static_cast<std::int32_t>(t > rate_ ? rate_ : t);
    }
    b.second = now;
  }
  if (b.tokens > 0) {
    --b.tokens;
    return RrlVerdict::kPass;
  }
  if (slip_ == 0) return RrlVerdict::kDrop;
  return (++limited_ % slip_ == 0) ? RrlVerdict::kSlip : RrlVerdict::kDrop;
}

std::uint32_t rrl_share(std::uint32_t rate, std::size_t index, std::size_t count) noexcept {
  if (count == 0) return rate;
  std::uint32_t share = static_cast<std::uint32_t>(rate / count) + (index < rate % count ? 1u : 0u);
  return share ? share : 1;
}

}  // namespace mcns::frontend
