#pragma once
// The [forward] allow list: which clients may use the forwarder (SPEC section 9: never an
// open resolver). Checked on every query that falls outside the zones, so contains() is
// noexcept, allocation-free and linear over a short list of prefixes.
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace mcns::frontend::forward {

class AllowList {
 public:
  AllowList() = default;  // allows nobody

  // Parses "10.0.0.0/8", "::1/128", or a bare address (a /32 or /128). Host bits set
  // below the prefix are ignored ("192.168.1.5/24" is 192.168.1.0/24).
  static StatusOr<AllowList> parse(const std::vector<std::string>& cidrs);

  // True when `addr` (AF_INET or AF_INET6; an IPv4-mapped IPv6 address counts as IPv4)
  // is inside one of the prefixes.
  bool contains(const sockaddr* addr) const noexcept;
  bool contains_v4(std::uint32_t host_order) const noexcept;
  bool contains_v6(const std::uint8_t (&bytes)[16]) const noexcept;

  bool empty() const noexcept { return v4_.empty() && v6_.empty(); }

 private:
  struct V4 {
    std::uint32_t net;
    std::uint32_t mask;
  };
  struct V6 {
    std::uint64_t net_hi, net_lo;
    std::uint64_t mask_hi, mask_lo;
  };
  std::vector<V4> v4_;
  std::vector<V6> v6_;
};

}  // namespace mcns::frontend::forward
