#include "tests/integration/types/wire_answer.h"

#include "common/base/strings.h"
#include "tests/integration/dns/dns_tools.h"

namespace mcns::test::types {
namespace {

std::uint16_t u16(const std::vector<std::uint8_t>& b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

// Skips a (possibly compressed) name; the position after it, or 0 when malformed.
std::size_t skip_name(const std::vector<std::uint8_t>& b, std::size_t at) {
  while (at < b.size()) {
    std::uint8_t len = b[at];
    if (len == 0) return at + 1;
    if ((len & 0xC0) == 0xC0) return at + 2 <= b.size() ? at + 2 : 0;
    at += 1u + len;
  }
  return 0;
}

}  // namespace

std::optional<WireAnswer> first_answer(std::uint16_t port, const std::string& fqdn, std::uint16_t type) {
  std::vector<std::uint8_t> q = {0x4d, 0x43, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};  // id "MC", QDCOUNT 1
  for (auto label : split(fqdn, '.')) {
    if (label.empty()) continue;
    q.push_back(static_cast<std::uint8_t>(label.size()));
    q.insert(q.end(), label.begin(), label.end());
  }
  q.insert(q.end(), {0, static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 1});
  auto reply = dns::udp_exchange(port, q);
  if (!reply || reply->size() < 12 || u16(*reply, 6) == 0) return std::nullopt;
  const auto& b = *reply;
  std::size_t at = skip_name(b, 12);
  if (at == 0 || at + 4 > b.size()) return std::nullopt;
  at = skip_name(b, at + 4);
  if (at == 0 || at + 10 > b.size()) return std::nullopt;
  WireAnswer out;
  out.type = u16(b, at);
  std::uint16_t rdlength = u16(b, at + 8);
  if (at + 10 + rdlength > b.size()) return std::nullopt;
  out.rdata.assign(b.begin() + static_cast<long>(at + 10), b.begin() + static_cast<long>(at + 10 + rdlength));
  out.additional = u16(b, 10);
  return out;
}

bool name_is_compressed(const std::vector<std::uint8_t>& rdata, std::size_t pos) {
  while (pos < rdata.size()) {
    std::uint8_t len = rdata[pos];
    if (len == 0) return false;
    if ((len & 0xC0) == 0xC0) return true;
    pos += 1u + len;
  }
  return false;
}

}  // namespace mcns::test::types
