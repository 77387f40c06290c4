#include "common/zone/zone_set.h"

#include <cstring>

#include "common/dns/name.h"
#include "common/zone/zone.h"

namespace mcns::zone {

const Zone* ZoneSet::find_zone(std::string_view name) const {
  auto canonical = dns::canonical_zone_name(name);
  if (!canonical.ok()) return nullptr;
  for (const ZonePtr& z : zones_)
    if (z->name() == *canonical) return z.get();
  return nullptr;
}

std::vector<ZoneStats> ZoneSet::stats() const {
  std::vector<ZoneStats> out;
  out.reserve(zones_.size());
  for (const ZonePtr& z : zones_) out.push_back({z->name(), z->serial(), z->record_count(), z->node_count()});
  return out;
}

const Zone* ZoneSet::match(const dns_wire::Name& lower) const noexcept {
  if (index_.empty()) return nullptr;
  const std::size_t mask = index_.size() - 1;
  const unsigned labels = lower.label_count;
  // Longest first: the deepest candidate suffix has all the labels of the name.
  for (unsigned d = labels; d >= 1; --d) {
    if (!((depth_mask_[d >> 6] >> (d & 63)) & 1u)) continue;
    const std::uint8_t* s = lower.suffix(labels - d);
    const std::size_t len = lower.suffix_length(labels - d);
    const std::uint32_t h = name_hash(s, len);
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      std::uint64_t e = index_[i];
      if (e == 0) break;
      if (static_cast<std::uint32_t>(e >> 32) != h) continue;
      const Zone* z = zones_[static_cast<std::uint32_t>(e) - 1].get();
      if (z->apex().size() == len && std::memcmp(z->apex().data(), s, len) == 0) return z;
    }
  }
  return nullptr;
}

void ZoneSet::index_zones() {
  depth_mask_[0] = depth_mask_[1] = 0;
  index_.clear();
  if (zones_.empty()) return;
  std::size_t size = 4;
  while (size < zones_.size() * 2) size <<= 1;
  index_.assign(size, 0);
  for (std::size_t z = 0; z < zones_.size(); ++z) {
    const Zone& zone = *zones_[z];
    unsigned d = zone.apex_labels();
    depth_mask_[d >> 6] |= std::uint64_t{1} << (d & 63);
    std::uint32_t h = name_hash(zone.apex().data(), zone.apex().size());
    std::size_t i = h & (size - 1);
    while (index_[i] != 0) i = (i + 1) & (size - 1);
    index_[i] = (std::uint64_t{h} << 32) | (z + 1);
  }
}

}  // namespace mcns::zone
