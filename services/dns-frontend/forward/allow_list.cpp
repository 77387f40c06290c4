#include "services/dns-frontend/forward/allow_list.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "common/base/strings.h"

namespace mcns::frontend::forward {

namespace {

std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}
std::uint64_t mask64(int bits) noexcept {  // the top `bits` (0..64) bits set
  return bits <= 0 ? 0 : bits >= 64 ? ~std::uint64_t{0} : ~std::uint64_t{0} << (64 - bits);
}

}  // namespace

StatusOr<AllowList> AllowList::parse(const std::vector<std::string>& cidrs) {
  AllowList list;
  for (const std::string& text : cidrs) {
    std::string_view t = trim(text);
    std::string addr(t.substr(0, t.find('/')));
    std::optional<int> bits;
    if (auto slash = t.find('/'); slash != std::string_view::npos) {
      bits = parse_int<int>(t.substr(slash + 1));
      if (!bits) return invalid_argument(str_cat("[forward] allow: \"", text, "\" has an invalid prefix length"));
    }
    std::uint8_t buf[16];
    if (inet_pton(AF_INET, addr.c_str(), buf) == 1) {
      int b = bits.value_or(32);
      if (b < 0 || b > 32) return invalid_argument(str_cat("[forward] allow: \"", text, "\" has an invalid prefix length"));
      std::uint32_t mask = b == 0 ? 0 : ~std::uint32_t{0} << (32 - b);
      std::uint32_t net = (std::uint32_t{buf[0]} << 24) | (std::uint32_t{buf[1]} << 16) | (std::uint32_t{buf[2]} << 8) | buf[3];
      list.v4_.push_back({net & mask, mask});
    } else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) {
      int b = bits.value_or(128);
      if (b < 0 || b > 128) return invalid_argument(str_cat("[forward] allow: \"", text, "\" has an invalid prefix length"));
      V6 v{};
      v.mask_hi = mask64(b);
      v.mask_lo = mask64(b - 64);
      v.net_hi = load_be64(buf) & v.mask_hi;
      v.net_lo = load_be64(buf + 8) & v.mask_lo;
      list.v6_.push_back(v);
    } else {
      return invalid_argument(str_cat("[forward] allow: \"", text, "\" is not an address or CIDR prefix"));
    }
  }
  return list;
}

bool AllowList::contains_v4(std::uint32_t a) const noexcept {
  for (const V4& p : v4_)
    if ((a & p.mask) == p.net) return true;
  return false;
}

bool AllowList::contains_v6(const std::uint8_t (&bytes)[16]) const noexcept {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes, kMapped, 12) == 0)
    return contains_v4((std::uint32_t{bytes[12]} << 24) | (std::uint32_t{bytes[13]} << 16) |
                       (std::uint32_t{bytes[14]} << 8) | bytes[15]);
  std::uint64_t hi = load_be64(bytes), lo = load_be64(bytes + 8);
  for (const V6& p : v6_)
    if ((hi & p.mask_hi) == p.net_hi && (lo & p.mask_lo) == p.net_lo) return true;
  return false;
}

bool AllowList::contains(const sockaddr* addr) const noexcept {
  if (addr == nullptr) return false;
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    return contains_v4(ntohl(in->sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    std::uint8_t bytes[16];
    std::memcpy(bytes, &in6->sin6_addr, 16);
    return contains_v6(bytes);
  }
  return false;
}

}  // namespace mcns::frontend::forward
