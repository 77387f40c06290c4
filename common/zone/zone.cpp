#include "common/zone/zone.h"

#include <cstring>

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

std::size_t Shard::memory_bytes() const noexcept {
  return sizeof(Shard) + index_.capacity() * sizeof(std::uint64_t) + nodes_.capacity() * sizeof(Node) +
         rrsets_.capacity() * sizeof(RRset) + data_.capacity();
}

void Zone::recompute_masks() noexcept {
  node_mask_[0] = node_mask_[1] = delegation_mask_[0] = delegation_mask_[1] = 0;
  for (unsigned i = 0; i < 128; ++i) {
    if (depth_nodes_[i]) node_mask_[i >> 6] |= std::uint64_t{1} << (i & 63);
    if (depth_delegations_[i]) delegation_mask_[i >> 6] |= std::uint64_t{1} << (i & 63);
  }
}

std::size_t Zone::memory_bytes() const noexcept {
  std::size_t total = sizeof(Zone) + name_.capacity() + apex_.capacity() + soa_rdata_.capacity() +
                      shards_.capacity() * sizeof(ShardPtr);
  for (const ShardPtr& s : shards_) total += s->memory_bytes();
  return total;
}

}  // namespace mcns::zone
