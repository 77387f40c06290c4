#pragma once
// One served zone, immutable once built (see zone_set.h for the whole snapshot).
//
// Layout, chosen for the hot path and for cheap incremental updates:
//  - Nodes (owner names, including empty non-terminals and the apex) are split into
//    hash shards: shard = high bits of name_hash(owner). Each Shard is one immutable
//    object held by shared_ptr<const Shard>; a new version of the zone copies the
//    vector of shard pointers and re-encodes only the shards an update touched.
//  - Inside a shard: an open-addressed index (hash, node), the nodes, their RRsets and
//    one byte arena with the owner names and every RRset pre-encoded in wire form:
//    each record is [C0 0C][type][class IN][ttl][rdlength][rdata], so an answer whose
//    owner is the question name is one memcpy; other owners patch the first 2 octets.
//  - Precomputed flags: apex, delegation point (NS below the apex), "has a '*' child"
//    (wildcard), CNAME; per-depth counts of nodes and delegations let a lookup skip
//    the ancestor probes a zone cannot need (most zones have no delegations).
//  - Additional-section data (A/AAAA of NS, MX and SRV targets, as Knot adds) is
//    resolved at query time by one probe in the same zone: precomputing it by value
//    would make every address change rebuild the shards of every referrer.
//  - The SOA lives in the Zone object, not in a shard, so the serial bump that comes
//    with every change never re-encodes the apex shard.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mcns::zone {

// Hash of a lower-case uncompressed wire name (or suffix). Not seeded: zone contents
// come from operators, and a probe for an attacker-chosen name ends at the first empty
// slot of a table kept at most half full.
std::uint32_t name_hash(const std::uint8_t* wire, std::size_t length) noexcept;

namespace node_flag {
inline constexpr std::uint16_t kApex = 1;
inline constexpr std::uint16_t kDelegation = 2;     // NS RRset below the apex
inline constexpr std::uint16_t kWildcardChild = 4;  // "*.<this>" exists
inline constexpr std::uint16_t kCname = 8;
}  // namespace node_flag

namespace rrset_flag {
inline constexpr std::uint16_t kCompressName = 1;  // RDATA holds a compressible name at name_pos
inline constexpr std::uint16_t kAdditional = 2;    // NS/MX/SRV: A/AAAA of the target go to additional
}  // namespace rrset_flag

struct RRset {
  std::uint16_t type = 0;
  std::uint16_t count = 0;     // records
  std::uint16_t flags = 0;
  std::uint16_t name_pos = 0;  // offset of the name inside each RDATA (kCompressName/kAdditional)
  std::uint32_t offset = 0;    // into Shard::data(): `count` pre-encoded records
  std::uint32_t size = 0;      // octets
};

struct Node {
  std::uint32_t hash = 0;
  std::uint32_t name_offset = 0;  // into Shard::data(): lower-case uncompressed wire owner
  std::uint8_t name_length = 0;
  std::uint8_t label_count = 0;   // absolute, root not counted
  std::uint16_t flags = 0;
  std::uint32_t children = 0;     // direct child nodes; an ENT disappears at 0
  std::uint32_t first_rrset = 0;  // into Shard::rrsets(), sorted by type
  std::uint32_t rrset_count = 0;
};

class Shard {
 public:
  const Node* find(std::uint32_t hash, const std::uint8_t* name, std::size_t length) const noexcept;
  const RRset* find_rrset(const Node& node, std::uint16_t type) const noexcept;
  std::span<const RRset> rrsets(const Node& node) const noexcept {
    return {rrsets_.data() + node.first_rrset, node.rrset_count};
  }
  const std::uint8_t* data() const noexcept { return data_.data(); }
  const std::uint8_t* name(const Node& node) const noexcept { return data_.data() + node.name_offset; }
  std::span<const Node> nodes() const noexcept { return nodes_; }

 private:
  friend class ShardEncoder;
  std::vector<std::uint64_t> index_;  // (hash << 32) | (node index + 1); 0 = empty
  std::vector<Node> nodes_;
  std::vector<RRset> rrsets_;
  std::vector<std::uint8_t> data_;
};
using ShardPtr = std::shared_ptr<const Shard>;

struct NodeRef {
  const Shard* shard = nullptr;
  const Node* node = nullptr;
  explicit operator bool() const noexcept { return node != nullptr; }
};

// A zone's SOA in wire form, checked (record_rules.h); the two names end at mname_end
// and rname_end.
struct ZoneSoa {
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> rdata;
  std::size_t mname_end = 0, rname_end = 0;
};

// Everything below the SOA that a build produces (full_build.h, incremental_build.h).
struct ZoneContent {
  std::vector<ShardPtr> shards;                        // size is a power of two; never empty
  std::array<std::uint32_t, 128> depth_nodes{};        // nodes per absolute label count
  std::array<std::uint32_t, 128> depth_delegations{};  // delegation points per label count
  std::uint64_t wildcards = 0;                         // '*' nodes
  std::uint64_t records = 0;                           // excluding the SOA
  std::uint64_t nodes = 0;                             // including the apex and ENTs
};

class Zone {
 public:
  // The one way to make a zone (the builder's): `name` canonical ("example.com"),
  // `apex` its lower-case wire form, `content` holding the apex node. Derives the
  // lookup masks and finds the apex node once.
  Zone(std::string name, std::vector<std::uint8_t> apex, ZoneSoa soa, ZoneContent content);
  Zone(const Zone&) = delete;
  Zone& operator=(const Zone&) = delete;

  // Canonical name without the trailing dot ("example.com").
  const std::string& name() const noexcept { return name_; }
  // Lower-case uncompressed wire form of the apex.
  std::span<const std::uint8_t> apex() const noexcept { return apex_; }
  unsigned apex_labels() const noexcept { return apex_labels_; }

  std::uint32_t serial() const noexcept { return serial_; }
  std::uint32_t soa_ttl() const noexcept { return soa_.ttl; }
  // RFC 2308 section 5: the TTL of the SOA in a negative answer.
  std::uint32_t negative_ttl() const noexcept { return soa_.ttl < soa_minimum_ ? soa_.ttl : soa_minimum_; }
  // Uncompressed SOA RDATA; the two names end at soa_mname_end() and soa_rname_end().
  std::span<const std::uint8_t> soa_rdata() const noexcept { return soa_.rdata; }
  std::size_t soa_mname_end() const noexcept { return soa_.mname_end; }
  std::size_t soa_rname_end() const noexcept { return soa_.rname_end; }
  const ZoneSoa& soa() const noexcept { return soa_; }

  // Exact node lookup by lower-case wire name and its name_hash().
  NodeRef find(const std::uint8_t* lower, std::size_t length, std::uint32_t hash) const noexcept {
    const Shard& s = *content_.shards[shard_of(hash)];
    return {&s, s.find(hash, lower, length)};
  }
  NodeRef find(const std::uint8_t* lower, std::size_t length) const noexcept {
    return find(lower, length, name_hash(lower, length));
  }
  // The apex node (always present; looked up once at build time).
  NodeRef apex_node() const noexcept { return apex_node_; }
  // Whether any node / delegation point has exactly `labels` labels (absolute).
  bool has_nodes_at(unsigned labels) const noexcept { return bit(node_mask_, labels); }
  bool has_delegations_at(unsigned labels) const noexcept { return bit(delegation_mask_, labels); }
  bool has_delegations() const noexcept { return (delegation_mask_[0] | delegation_mask_[1]) != 0; }

  std::uint64_t record_count() const noexcept { return content_.records + 1; }  // + the SOA
  std::uint64_t node_count() const noexcept { return content_.nodes; }
  std::size_t shard_count() const noexcept { return content_.shards.size(); }
  const ShardPtr& shard(std::size_t i) const noexcept { return content_.shards[i]; }
  std::size_t shard_of(std::uint32_t hash) const noexcept {
    return static_cast<std::size_t>((std::uint64_t{hash} * content_.shards.size()) >> 32);
  }
  // What the zone was built from; the next version's incremental build starts here.
  const ZoneContent& content() const noexcept { return content_; }

 private:
  static bool bit(const std::uint64_t (&m)[2], unsigned i) noexcept {
    return i < 128 && ((m[i >> 6] >> (i & 63)) & 1u);
  }

  std::string name_;
  std::vector<std::uint8_t> apex_;
  unsigned apex_labels_ = 0;
  std::uint32_t serial_ = 0, soa_minimum_ = 0;
  ZoneSoa soa_;
  ZoneContent content_;
  NodeRef apex_node_;  // points into content_.shards (kept alive by them)
  std::uint64_t node_mask_[2] = {0, 0};
  std::uint64_t delegation_mask_[2] = {0, 0};
};

}  // namespace mcns::zone
