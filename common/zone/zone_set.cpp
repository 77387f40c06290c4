#include "common/zone/zone_set.h"

namespace mcns::zone {

// TODO(core): first commit is a stub so that dependants link; the real index follows.
const Zone* ZoneSet::find_zone(std::string_view) const { return nullptr; }
std::vector<ZoneStats> ZoneSet::stats() const { return {}; }
const Zone* ZoneSet::match(const std::uint8_t*, const std::uint8_t*, unsigned) const noexcept {
  return nullptr;
}
void ZoneSet::index_zones() {}

}  // namespace mcns::zone
