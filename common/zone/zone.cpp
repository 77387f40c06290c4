#include "common/zone/zone.h"

#include <cstring>
#include <utility>

#include "common/dns_wire/wire.h"

namespace mcns::zone {

std::uint32_t name_hash(const std::uint8_t* wire, std::size_t length) noexcept {
  // 8 octets per step, multiply-xorshift mixing (splitmix64 finaliser); names are short.
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ (length * 0xff51afd7ed558ccdull);
  const std::uint8_t* p = wire;
  std::size_t n = length;
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
  }
  h ^= h >> 29;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 32;
  return static_cast<std::uint32_t>(h);
}

namespace {

// Names are short: an inline 8-octet-at-a-time comparison beats a libc call here.
inline bool same_bytes(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) noexcept {
  while (n >= 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
    a += 8;
    b += 8;
    n -= 8;
  }
  while (n > 0) {
    if (*a++ != *b++) return false;
    --n;
  }
  return true;
}

}  // namespace

const Node* Shard::find(std::uint32_t hash, const std::uint8_t* name, std::size_t length) const noexcept {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    std::uint64_t e = index_[i];
    if (e == 0) return nullptr;
    if (static_cast<std::uint32_t>(e >> 32) != hash) continue;
    const Node& n = nodes_[static_cast<std::uint32_t>(e) - 1];
    if (n.name_length == length && same_bytes(data_.data() + n.name_offset, name, length)) return &n;
  }
}

const RRset* Shard::find_rrset(const Node& node, std::uint16_t type) const noexcept {
  const RRset* r = rrsets_.data() + node.first_rrset;
  for (std::uint32_t i = 0; i < node.rrset_count; ++i)
    if (r[i].type == type) return &r[i];
  return nullptr;
}

Zone::Zone(std::string name, std::vector<std::uint8_t> apex, ZoneSoa soa, ZoneContent content)
    : name_(std::move(name)), apex_(std::move(apex)), soa_(std::move(soa)), content_(std::move(content)) {
  std::uint8_t offsets[dns_wire::kMaxLabels + 1];
  apex_labels_ = dns_wire::label_offsets_of(apex_.data(), apex_.size(), offsets);
  serial_ = dns_wire::load_u32(soa_.rdata.data() + soa_.rname_end);
  soa_minimum_ = dns_wire::load_u32(soa_.rdata.data() + soa_.rname_end + 16);
  for (unsigned i = 0; i < 128; ++i) {
    if (content_.depth_nodes[i]) node_mask_[i >> 6] |= std::uint64_t{1} << (i & 63);
    if (content_.depth_delegations[i]) delegation_mask_[i >> 6] |= std::uint64_t{1} << (i & 63);
  }
  apex_node_ = find(apex_.data(), apex_.size());
}

}  // namespace mcns::zone
