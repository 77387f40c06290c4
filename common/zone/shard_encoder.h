#pragma once
// One shard of a zone (zone.h) in its served form: nodes, RRsets and the byte arena with
// every record pre-encoded as [C0 0C][type][class IN][ttl][rdlength][rdata]. The full
// and the incremental build (full_build.h, incremental_build.h) hand nodes to encode();
// for_each_record() reads a shard's records back when one is rebuilt.
//
// Per-type serving flags come from the type registry (common/dns/rr_type.h, the
// RdataName column): kCompressName and kAdditional with the name's offset. Node flags
// kDelegation and kCname are derived from the RRsets; kApex and kWildcardChild are the
// caller's.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/dns_wire/wire.h"
#include "common/zone/zone.h"

namespace mcns::zone {

inline constexpr std::size_t kWireRecordOverhead = 12;  // owner pointer, type, class, TTL, rdlength

struct EncRecord {
  std::uint16_t type;
  std::uint16_t rdlength;
  std::uint32_t ttl;
  const std::uint8_t* rdata;
};

struct EncNode {
  std::uint32_t hash;
  std::uint8_t name_length;
  std::uint8_t label_count;
  std::uint16_t flags;  // only kApex and kWildcardChild are taken from here
  std::uint32_t children;
  const std::uint8_t* name;  // lower-case uncompressed wire
  const EncRecord* records;  // sorted by (type, rdata)
  std::uint32_t record_count;
};

class ShardEncoder {
 public:
  // `nodes` need not be sorted; names must be distinct.
  static ShardPtr encode(const EncNode* nodes, std::size_t count);
  // The shard with no node (shared by every empty shard of every zone).
  static const ShardPtr& empty();
};

// Calls fn(type, ttl, rdata) for each record of `node`, RRsets in type order.
template <class Fn>
void for_each_record(const Shard& shard, const Node& node, Fn&& fn) {
  for (const RRset& set : shard.rrsets(node)) {
    const std::uint8_t* p = shard.data() + set.offset;
    for (std::uint16_t r = 0; r < set.count; ++r) {
      std::uint16_t rdlength = dns_wire::load_u16(p + 10);
      fn(set.type, dns_wire::load_u32(p + 6), std::span<const std::uint8_t>(p + kWireRecordOverhead, rdlength));
      p += kWireRecordOverhead + rdlength;
    }
  }
}

}  // namespace mcns::zone
