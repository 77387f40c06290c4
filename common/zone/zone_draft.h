#pragma once
// The pending changes to one zone between two builds (ZoneSetBuilder keeps one draft per
// zone touched): its identity and SOA, the content to start from, and the record
// operations in call order, with their owners and RDATA packed in one byte buffer.
// Owners are turned into lower-case wire names here, from text (the watch path) or from
// wire (zone files), and checked to be in the zone.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/zone/zone.h"
#include "common/zone/zone_set.h"  // ZonePtr

namespace mcns::zone {

// One add or remove, as offsets into ZoneDraft::bytes.
struct Op {
  std::uint32_t hash;          // name_hash of the owner
  std::uint32_t owner_offset;
  std::uint32_t rdata_offset;
  std::uint32_t ttl;
  std::uint16_t rdlength;
  std::uint16_t type;
  std::uint8_t owner_length;
  std::uint8_t owner_labels;
  bool add;
};

struct ZoneDraft {
  std::string name;                // canonical
  std::vector<std::uint8_t> apex;  // lower-case wire
  unsigned apex_labels = 0;
  bool exists = true;              // false: deleted in this build
  ZonePtr content;                 // records to start from; null for new or cleared zones
  ZoneSoa soa;
  std::vector<Op> ops;
  std::vector<std::uint8_t> bytes;  // owners and RDATA of ops

  // A new zone `canonical` ("example.com") with `soa` and no records.
  static ZoneDraft for_new_zone(const std::string& canonical, ZoneSoa soa);
  // The next version of `zone`: its identity, SOA and records.
  static ZoneDraft from_zone(ZonePtr zone);

  // Drops the records (the base content and the pending operations).
  void clear_records();

  // Lower-case owner wire from text: absolute ("www.example.com.") or relative to the
  // zone ("www", "a.b", "*", "@"), with the rules of common/dns/name.h.
  StatusOr<std::vector<std::uint8_t>> owner_from_text(std::string_view owner) const;
  // Lower-case owner wire from an uncompressed wire name at or below the apex.
  StatusOr<std::vector<std::uint8_t>> owner_from_wire(std::span<const std::uint8_t> wire) const;

  // Appends one operation (after check_record(), record_rules.h). RESOURCE_EXHAUSTED
  // when the pending bytes would pass 4 GiB.
  Status add_op(const std::vector<std::uint8_t>& owner, std::uint16_t type, std::uint32_t ttl,
                std::span<const std::uint8_t> rdata, bool add);
};

}  // namespace mcns::zone
