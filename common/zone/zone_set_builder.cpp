#include "common/zone/zone_set_builder.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <unordered_map>

#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/dns/rr_type.h"
#include "common/dns/value.h"
#include "common/dns_wire/wire.h"
#include "common/zone/zone.h"

namespace mcns::zone {

// ---------------------------------------------------------------------------------
// Shard encoding (shared by the bulk and the incremental paths)

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
  const std::uint8_t* name;
  const EncRecord* records;  // sorted by (type, rdata)
  std::uint32_t record_count;
};

class ShardEncoder {
 public:
  static ShardPtr encode(const EncNode* nodes, std::size_t count);
  static const ShardPtr& empty();
};

namespace {

constexpr std::size_t kWireRecordOverhead = 12;  // owner pointer + type + class + ttl + rdlength
constexpr std::size_t kBulkNodesPerShard = 64;    // shard size chosen for a full build
constexpr std::size_t kMaxNodesPerShard = 512;    // beyond this average, rebuild with more shards

// Where the name sits in the RDATA of the types that hold one (RFC 3597 section 4
// lists the types whose names may be compressed; SRV's may not, RFC 2782).
struct NameRule {
  bool compress;
  bool additional;
  std::uint16_t pos;
};
std::optional<NameRule> name_rule(std::uint16_t type) {
  switch (type) {
    case dns::type::kNS: return NameRule{true, true, 0};
    case dns::type::kCNAME: return NameRule{true, false, 0};
    case dns::type::kPTR: return NameRule{true, false, 0};
    case dns::type::kMX: return NameRule{true, true, 2};
    case dns::type::kSRV: return NameRule{false, true, 6};
    default: return std::nullopt;
  }
}

int compare_rdata(const std::uint8_t* a, std::size_t an, const std::uint8_t* b, std::size_t bn) {
  int c = std::memcmp(a, b, std::min(an, bn));
  if (c != 0) return c;
  return an < bn ? -1 : (an > bn ? 1 : 0);
}

const std::uint8_t* parent_of(const std::uint8_t* name) { return name + 1 + name[0]; }
bool is_wildcard(const std::uint8_t* name) { return name[0] == 1 && name[1] == '*'; }

// Capacity is reserved up front, so this never reallocates.
void append(std::vector<std::uint8_t>& v, const std::uint8_t* p, std::size_t n) {
  std::size_t at = v.size();
  v.resize(at + n);
  std::memcpy(v.data() + at, p, n);
}

void bump(std::array<std::uint32_t, 128>& a, unsigned i, int delta) {
  if (i < 128) a[i] = static_cast<std::uint32_t>(static_cast<int>(a[i]) + delta);
}

}  // namespace

const ShardPtr& ShardEncoder::empty() {
  static const ShardPtr kEmpty = encode(nullptr, 0);
  return kEmpty;
}

ShardPtr ShardEncoder::encode(const EncNode* nodes, std::size_t count) {
  auto s = std::make_shared<Shard>();
  std::size_t data_size = 0, rrset_count = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const EncNode& n = nodes[i];
    data_size += n.name_length;
    for (std::uint32_t r = 0; r < n.record_count; ++r) {
      data_size += kWireRecordOverhead + n.records[r].rdlength;
      if (r == 0 || n.records[r].type != n.records[r - 1].type) ++rrset_count;
    }
  }
  s->nodes_.reserve(count);
  s->rrsets_.reserve(rrset_count);
  s->data_.reserve(data_size);
  std::size_t index_size = 2;
  while (index_size < count * 2) index_size <<= 1;
  s->index_.assign(index_size, 0);

  std::vector<std::uint8_t>& data = s->data_;
  for (std::size_t i = 0; i < count; ++i) {
    const EncNode& in = nodes[i];
    Node node;
    node.hash = in.hash;
    node.name_offset = static_cast<std::uint32_t>(data.size());
    node.name_length = in.name_length;
    node.label_count = in.label_count;
    node.flags = in.flags & (node_flag::kApex | node_flag::kWildcardChild);
    node.children = in.children;
    node.first_rrset = static_cast<std::uint32_t>(s->rrsets_.size());
    append(data, in.name, in.name_length);
    for (std::uint32_t r = 0; r < in.record_count;) {
      RRset set;
      set.type = in.records[r].type;
      set.offset = static_cast<std::uint32_t>(data.size());
      if (auto rule = name_rule(set.type)) {
        set.flags = static_cast<std::uint16_t>((rule->compress ? rrset_flag::kCompressName : 0) |
                                               (rule->additional ? rrset_flag::kAdditional : 0));
        set.name_pos = rule->pos;
      }
      for (; r < in.record_count && in.records[r].type == set.type; ++r) {
        const EncRecord& rec = in.records[r];
        std::uint8_t head[kWireRecordOverhead];
        dns_wire::store_u16(head, 0xc00c);
        dns_wire::store_u16(head + 2, rec.type);
        dns_wire::store_u16(head + 4, dns_wire::kClassIn);
        dns_wire::store_u32(head + 6, rec.ttl);
        dns_wire::store_u16(head + 10, rec.rdlength);
        append(data, head, kWireRecordOverhead);
        append(data, rec.rdata, rec.rdlength);
        ++set.count;
      }
      set.size = static_cast<std::uint32_t>(data.size() - set.offset);
      if (set.type == dns::type::kNS && !(node.flags & node_flag::kApex)) node.flags |= node_flag::kDelegation;
      if (set.type == dns::type::kCNAME) node.flags |= node_flag::kCname;
      s->rrsets_.push_back(set);
    }
    node.rrset_count = static_cast<std::uint32_t>(s->rrsets_.size() - node.first_rrset);
    s->nodes_.push_back(node);
    std::size_t slot = in.hash & (index_size - 1);
    while (s->index_[slot] != 0) slot = (slot + 1) & (index_size - 1);
    s->index_[slot] = (std::uint64_t{in.hash} << 32) | (i + 1);
  }
  return s;
}

// Everything the builder sets on a Zone; Zone's members are private to keep the
// snapshot read-only for everyone else.
struct ZoneAccess {
  static const std::array<std::uint32_t, 128>& depth_nodes(const Zone& z) { return z.depth_nodes_; }
  static const std::array<std::uint32_t, 128>& depth_delegations(const Zone& z) { return z.depth_delegations_; }
  static std::uint64_t wildcards(const Zone& z) { return z.wildcards_; }
  static std::vector<ShardPtr>& shards(Zone& z) { return z.shards_; }
  static std::array<std::uint32_t, 128>& depth_nodes(Zone& z) { return z.depth_nodes_; }
  static std::array<std::uint32_t, 128>& depth_delegations(Zone& z) { return z.depth_delegations_; }
  static std::uint64_t& wildcards(Zone& z) { return z.wildcards_; }
  static std::uint64_t& records(Zone& z) { return z.records_; }
  static std::uint64_t& nodes(Zone& z) { return z.nodes_; }
  static void recompute_masks(Zone& z) { z.recompute_masks(); }
  static void find_apex(Zone& z) { z.apex_node_ = z.find(z.apex_.data(), z.apex_.size()); }
  static void set_identity(Zone& z, std::string name, std::vector<std::uint8_t> apex) {
    z.name_ = std::move(name);
    z.apex_ = std::move(apex);
    std::uint8_t offsets[dns_wire::kMaxLabels + 1];
    z.apex_labels_ = dns_wire::label_offsets_of(z.apex_.data(), z.apex_.size(), offsets);
  }
  static void set_soa(Zone& z, std::uint32_t ttl, const std::vector<std::uint8_t>& rdata, std::size_t mname_end,
                      std::size_t rname_end) {
    z.soa_ttl_ = ttl;
    z.soa_rdata_ = rdata;
    z.soa_mname_end_ = mname_end;
    z.soa_rname_end_ = rname_end;
    z.serial_ = dns_wire::load_u32(rdata.data() + rname_end);
    z.soa_minimum_ = dns_wire::load_u32(rdata.data() + rname_end + 16);
  }
};

// ---------------------------------------------------------------------------------
// Builder state

namespace {

struct SoaData {
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> rdata;
  std::size_t mname_end = 0, rname_end = 0;
};

struct Op {
  std::uint32_t hash;
  std::uint32_t owner_offset;  // into ZoneDraft::bytes
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
  bool exists = true;
  ZonePtr content;                 // records to start from; null for new or cleared zones
  SoaData soa;
  std::vector<Op> ops;
  std::vector<std::uint8_t> bytes;  // owners and RDATA of ops
};

StatusOr<SoaData> soa_from_wire(std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
  dns_wire::Name n;
  std::size_t mlen = 0, rlen = 0;
  if (!n.assign(rdata, &mlen) || !n.assign(rdata.subspan(mlen), &rlen) || rdata.size() != mlen + rlen + 20)
    return invalid_argument("invalid SOA RDATA: expected two uncompressed names and five 32-bit fields");
  if (ttl > dns::kMaxTtl) return invalid_argument(str_cat("invalid SOA TTL ", ttl));
  SoaData soa;
  soa.ttl = ttl;
  soa.rdata.assign(rdata.begin(), rdata.end());
  soa.mname_end = mlen;
  soa.rname_end = mlen + rlen;
  return soa;
}

// "hostmaster.example.com." or "hostmaster@example.com" -> wire.
StatusOr<std::vector<std::uint8_t>> mailbox_to_wire(std::string_view admin) {
  auto at = admin.find('@');
  if (at == std::string_view::npos) {
    MCNS_ASSIGN_OR_RETURN(std::string name, dns::canonical_absolute_name(admin));
    return dns::name_to_wire(name);
  }
  std::string_view local = admin.substr(0, at);
  if (local.empty() || local.size() > dns_wire::kMaxLabelLength)
    return invalid_argument(str_cat("invalid SOA admin \"", admin, "\": bad local part"));
  for (char c : local)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return invalid_argument(str_cat("invalid SOA admin \"", admin, "\": bad character in local part"));
  MCNS_ASSIGN_OR_RETURN(std::string domain, dns::canonical_absolute_name(admin.substr(at + 1)));
  std::vector<std::uint8_t> out;
  out.push_back(static_cast<std::uint8_t>(local.size()));
  out.insert(out.end(), local.begin(), local.end());
  std::vector<std::uint8_t> rest = dns::name_to_wire(domain);
  out.insert(out.end(), rest.begin(), rest.end());
  if (out.size() > dns_wire::kMaxNameLength) return invalid_argument("SOA admin name longer than 255 octets");
  return out;
}

// Checks RDATA that must hold a name (NS, CNAME, PTR, MX, SRV) so that the query path
// can trust it.
Status check_rdata(std::uint16_t type, std::span<const std::uint8_t> rdata) {
  if (rdata.size() > 65535) return invalid_argument("RDATA longer than 65535 octets");
  auto rule = name_rule(type);
  if (!rule) return ok_status();
  dns_wire::Name n;
  std::size_t used = 0;
  if (rdata.size() < rule->pos || !n.assign(rdata.subspan(rule->pos), &used) || rule->pos + used != rdata.size())
    return invalid_argument(str_cat("invalid RDATA for type ", type, ": expected an uncompressed name"));
  return ok_status();
}

Status check_type(std::uint16_t type) {
  if (type == dns::type::kSOA) return invalid_argument("the SOA is set with upsert_zone(), not add_record()");
  // Meta and question-only types cannot be zone data.
  if (type == 0 || type == dns::type::kOPT || (type >= 249 && type <= 255))
    return invalid_argument(str_cat("type ", type, " cannot be a record"));
  return ok_status();
}

// ------------------------------- bulk path ---------------------------------------

struct FlatRecord {
  std::uint32_t hash;
  std::uint32_t seq;
  const std::uint8_t* owner;
  const std::uint8_t* rdata;
  std::uint32_t ttl;
  std::uint16_t rdlength;
  std::uint16_t type;
  std::uint8_t owner_length;
  std::uint8_t owner_labels;
  bool add;
};

int compare_key(const FlatRecord& a, const FlatRecord& b) {
  if (a.hash != b.hash) return a.hash < b.hash ? -1 : 1;
  if (a.owner_length != b.owner_length) return a.owner_length < b.owner_length ? -1 : 1;
  if (int c = std::memcmp(a.owner, b.owner, a.owner_length); c != 0) return c;
  if (a.type != b.type) return a.type < b.type ? -1 : 1;
  return compare_rdata(a.rdata, a.rdlength, b.rdata, b.rdlength);
}

struct BuildNode {
  std::uint32_t hash;
  std::uint8_t name_length;
  std::uint8_t label_count;
  std::uint16_t flags;
  std::uint32_t children;
  const std::uint8_t* name;
  std::uint32_t first_record;
  std::uint32_t record_count;
};

// Open-addressed set of BuildNode indices keyed by name, for finding parents.
class NodeTable {
 public:
  explicit NodeTable(std::size_t expected) {
    std::size_t size = 16;
    while (size < expected * 2) size <<= 1;
    slots_.assign(size, 0);
  }
  // Index of the node named (name, length, hash), or -1.
  long find(const std::vector<BuildNode>& nodes, const std::uint8_t* name, std::size_t length,
            std::uint32_t hash) const {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      std::uint32_t e = slots_[i];
      if (e == 0) return -1;
      const BuildNode& n = nodes[e - 1];
      if (n.hash == hash && n.name_length == length && std::memcmp(n.name, name, length) == 0) return e - 1;
    }
  }
  void insert(const std::vector<BuildNode>& nodes, std::uint32_t index) {
    if ((count_ + 1) * 2 > slots_.size()) grow(nodes);
    place(nodes[index].hash, index);
    ++count_;
  }

 private:
  void place(std::uint32_t hash, std::uint32_t index) {
    std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = index + 1;
  }
  void grow(const std::vector<BuildNode>& nodes) {
    std::vector<std::uint32_t> old = std::move(slots_);
    slots_.assign(old.size() * 2, 0);
    for (std::uint32_t e : old)
      if (e) place(nodes[e - 1].hash, e - 1);
  }
  std::vector<std::uint32_t> slots_;
  std::size_t count_ = 0;
};

std::size_t shard_count_for(std::size_t nodes) {
  std::size_t n = 1;
  while (n * kBulkNodesPerShard < nodes) n <<= 1;
  return n;
}

// Builds every shard of the zone from its base content (if any) plus the ops.
// Records are first bucketed by shard (one counting-sort pass) and then sorted within
// each bucket, which keeps the sorts small and cache-friendly for million-record loads.
void build_full(Zone& zone, const ZoneDraft& d) {
  std::vector<FlatRecord> recs;
  std::size_t base_records = d.content ? d.content->record_count() : 0;
  recs.reserve(base_records + d.ops.size());
  std::uint32_t seq = 0;
  if (d.content) {
    for (std::size_t si = 0; si < d.content->shard_count(); ++si) {
      const Shard& s = *d.content->shard(si);
      for (const Node& n : s.nodes()) {
        for (const RRset& set : s.rrsets(n)) {
          const std::uint8_t* p = s.data() + set.offset;
          for (std::uint16_t r = 0; r < set.count; ++r) {
            std::uint16_t rdlength = dns_wire::load_u16(p + 10);
            recs.push_back({n.hash, seq, s.name(n), p + kWireRecordOverhead, dns_wire::load_u32(p + 6), rdlength,
                            set.type, n.name_length, n.label_count, true});
            p += kWireRecordOverhead + rdlength;
          }
        }
      }
    }
  }
  for (const Op& op : d.ops)
    recs.push_back({op.hash, ++seq, d.bytes.data() + op.owner_offset, d.bytes.data() + op.rdata_offset, op.ttl,
                    op.rdlength, op.type, op.owner_length, op.owner_labels, op.add});

  // Shard count from the number of owner runs (records of one owner arrive together
  // in bulk loads and in the base), a close estimate of the node count.
  std::size_t owner_runs = 1;
  for (std::size_t i = 1; i < recs.size(); ++i) owner_runs += recs[i].hash != recs[i - 1].hash;
  std::vector<ShardPtr>& shards = ZoneAccess::shards(zone);
  shards.assign(shard_count_for(owner_runs), nullptr);
  const std::size_t shard_total = shards.size();
  auto shard_of = [&](std::uint32_t h) { return static_cast<std::size_t>((std::uint64_t{h} * shard_total) >> 32); };

  std::vector<std::uint32_t> rec_start(shard_total + 1, 0);
  for (const FlatRecord& r : recs) ++rec_start[shard_of(r.hash) + 1];
  for (std::size_t i = 0; i < shard_total; ++i) rec_start[i + 1] += rec_start[i];
  std::vector<FlatRecord> bucketed(recs.size());
  {
    std::vector<std::uint32_t> fill(rec_start.begin(), rec_start.end() - 1);
    for (const FlatRecord& r : recs) bucketed[fill[shard_of(r.hash)]++] = r;
  }
  std::vector<FlatRecord>().swap(recs);

  // Per shard: sort, let the last operation on each (owner, type, rdata) decide, and
  // group the survivors into nodes.
  std::vector<EncRecord> final_recs;
  final_recs.reserve(bucketed.size());
  std::vector<BuildNode> nodes;
  nodes.reserve(owner_runs + 16);
  std::vector<std::uint32_t> node_start(shard_total + 1, 0);
  for (std::size_t sh = 0; sh < shard_total; ++sh) {
    node_start[sh] = static_cast<std::uint32_t>(nodes.size());
    auto first = bucketed.begin() + rec_start[sh], last = bucketed.begin() + rec_start[sh + 1];
    std::sort(first, last, [](const FlatRecord& a, const FlatRecord& b) {
      int c = compare_key(a, b);
      return c != 0 ? c < 0 : a.seq < b.seq;
    });
    for (auto it = first; it != last;) {
      auto next = it + 1;
      while (next != last && compare_key(*it, *next) == 0) ++next;
      const FlatRecord& r = *(next - 1);
      if (r.add) {
        if (nodes.size() == node_start[sh] || nodes.back().hash != r.hash ||
            nodes.back().name_length != r.owner_length ||
            std::memcmp(nodes.back().name, r.owner, r.owner_length) != 0) {
          nodes.push_back({r.hash, r.owner_length, r.owner_labels, 0, 0, r.owner,
                           static_cast<std::uint32_t>(final_recs.size()), 0});
        }
        final_recs.push_back({r.type, r.rdlength, r.ttl, r.rdata});
        ++nodes.back().record_count;
      }
      it = next;
    }
  }
  const std::size_t data_nodes = nodes.size();
  node_start[shard_total] = static_cast<std::uint32_t>(data_nodes);
  const std::uint64_t record_total = final_recs.size();

  // Apex, empty non-terminals (appended after the data nodes), child counts, wildcards.
  NodeTable table(nodes.size() + 16);
  for (std::uint32_t i = 0; i < nodes.size(); ++i) table.insert(nodes, i);
  const std::uint8_t* apex = d.apex.data();
  const std::size_t apex_len = d.apex.size();
  std::uint32_t apex_hash = name_hash(apex, apex_len);
  long apex_index = table.find(nodes, apex, apex_len, apex_hash);
  if (apex_index < 0) {
    nodes.push_back({apex_hash, static_cast<std::uint8_t>(apex_len), static_cast<std::uint8_t>(d.apex_labels), 0, 0,
                     apex, 0, 0});
    apex_index = static_cast<long>(nodes.size() - 1);
    table.insert(nodes, static_cast<std::uint32_t>(apex_index));
  }
  nodes[apex_index].flags |= node_flag::kApex;
  std::uint64_t wildcards = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (static_cast<long>(i) == apex_index) continue;
    const std::uint8_t* name = nodes[i].name;
    const std::uint8_t* parent = parent_of(name);
    std::size_t plen = nodes[i].name_length - (parent - name);
    std::uint32_t phash = name_hash(parent, plen);
    long p = table.find(nodes, parent, plen, phash);
    if (p < 0) {
      nodes.push_back({phash, static_cast<std::uint8_t>(plen), static_cast<std::uint8_t>(nodes[i].label_count - 1), 0,
                       0, parent, 0, 0});
      p = static_cast<long>(nodes.size() - 1);
      table.insert(nodes, static_cast<std::uint32_t>(p));
    }
    ++nodes[p].children;
    if (is_wildcard(name)) {
      nodes[p].flags |= node_flag::kWildcardChild;
      ++wildcards;
    }
  }

  // Nodes created above belong to arbitrary shards: bucket them too.
  std::vector<std::uint32_t> extra_start(shard_total + 1, 0);
  for (std::size_t i = data_nodes; i < nodes.size(); ++i) ++extra_start[shard_of(nodes[i].hash) + 1];
  for (std::size_t i = 0; i < shard_total; ++i) extra_start[i + 1] += extra_start[i];
  std::vector<std::uint32_t> extra(nodes.size() - data_nodes);
  {
    std::vector<std::uint32_t> fill(extra_start.begin(), extra_start.end() - 1);
    for (std::size_t i = data_nodes; i < nodes.size(); ++i)
      extra[fill[shard_of(nodes[i].hash)]++] = static_cast<std::uint32_t>(i);
  }

  std::vector<EncNode> enc;
  auto to_enc = [&](const BuildNode& n) {
    return EncNode{n.hash,     n.name_length, n.label_count, n.flags, n.children,
                   n.name,     final_recs.data() + n.first_record, n.record_count};
  };
  for (std::size_t sh = 0; sh < shard_total; ++sh) {
    enc.clear();
    for (std::uint32_t i = node_start[sh]; i < node_start[sh + 1]; ++i) enc.push_back(to_enc(nodes[i]));
    for (std::uint32_t i = extra_start[sh]; i < extra_start[sh + 1]; ++i) enc.push_back(to_enc(nodes[extra[i]]));
    shards[sh] = enc.empty() ? ShardEncoder::empty() : ShardEncoder::encode(enc.data(), enc.size());
  }

  auto& depth_nodes = ZoneAccess::depth_nodes(zone);
  auto& depth_delegations = ZoneAccess::depth_delegations(zone);
  depth_nodes.fill(0);
  depth_delegations.fill(0);
  for (const BuildNode& n : nodes) {
    bump(depth_nodes, n.label_count, 1);
    if (n.flags & node_flag::kApex) continue;
    for (std::uint32_t r = 0; r < n.record_count; ++r)
      if (final_recs[n.first_record + r].type == dns::type::kNS) {
        bump(depth_delegations, n.label_count, 1);
        break;
      }
  }
  ZoneAccess::wildcards(zone) = wildcards;
  ZoneAccess::records(zone) = record_total;
  ZoneAccess::nodes(zone) = nodes.size();
}

// ---------------------------- incremental path -----------------------------------

struct RecDraft {
  std::uint16_t type;
  std::uint32_t ttl;
  std::vector<std::uint8_t> rdata;
};

struct NodeDraft {
  std::vector<std::uint8_t> name;
  std::uint32_t hash = 0;
  std::uint8_t label_count = 0;
  std::uint16_t flags = 0;  // kApex, kWildcardChild
  std::uint32_t children = 0;
  std::vector<RecDraft> recs;  // sorted by (type, rdata)

  bool has_type(std::uint16_t type) const {
    for (const RecDraft& r : recs)
      if (r.type == type) return true;
    return false;
  }
};

struct ShardDraft {
  std::vector<std::unique_ptr<NodeDraft>> nodes;

  NodeDraft* find(const std::uint8_t* name, std::size_t length, std::uint32_t hash) {
    for (auto& n : nodes)
      if (n->hash == hash && n->name.size() == length && std::memcmp(n->name.data(), name, length) == 0)
        return n.get();
    return nullptr;
  }
  void erase(NodeDraft* node) {
    for (auto& n : nodes)
      if (n.get() == node) {
        n = std::move(nodes.back());
        nodes.pop_back();
        return;
      }
  }
};

class IncrementalBuild {
 public:
  IncrementalBuild(Zone& zone, const Zone& base) : zone_(zone), base_(base) {}

  void apply(const Op& op, const std::uint8_t* bytes) {
    const std::uint8_t* owner = bytes + op.owner_offset;
    const std::uint8_t* rdata = bytes + op.rdata_offset;
    if (op.add) {
      NodeDraft* node = ensure(owner, op.owner_length, op.hash, op.owner_labels);
      auto it = std::lower_bound(node->recs.begin(), node->recs.end(), op, [&](const RecDraft& r, const Op& o) {
        if (r.type != o.type) return r.type < o.type;
        return compare_rdata(r.rdata.data(), r.rdata.size(), rdata, o.rdlength) < 0;
      });
      if (it != node->recs.end() && it->type == op.type &&
          compare_rdata(it->rdata.data(), it->rdata.size(), rdata, op.rdlength) == 0) {
        it->ttl = op.ttl;
        return;
      }
      bool delegation_before = is_delegation(*node);
      node->recs.insert(it, RecDraft{op.type, op.ttl, std::vector<std::uint8_t>(rdata, rdata + op.rdlength)});
      ++ZoneAccess::records(zone_);
      if (!delegation_before && is_delegation(*node)) bump(ZoneAccess::depth_delegations(zone_), node->label_count, 1);
      return;
    }
    NodeDraft* node = find(owner, op.owner_length, op.hash);
    if (!node) return;
    for (auto it = node->recs.begin(); it != node->recs.end(); ++it) {
      if (it->type == op.type && compare_rdata(it->rdata.data(), it->rdata.size(), rdata, op.rdlength) == 0) {
        bool delegation_before = is_delegation(*node);
        node->recs.erase(it);
        --ZoneAccess::records(zone_);
        if (delegation_before && !is_delegation(*node))
          bump(ZoneAccess::depth_delegations(zone_), node->label_count, -1);
        prune(node);
        return;
      }
    }
  }

  // Re-encodes the touched shards into the zone.
  void finish() {
    std::vector<EncNode> enc;
    std::vector<EncRecord> recs;
    for (auto& [index, draft] : shards_) {
      enc.clear();
      recs.clear();
      for (auto& n : draft->nodes)
        for (const RecDraft& r : n->recs)
          recs.push_back({r.type, static_cast<std::uint16_t>(r.rdata.size()), r.ttl, r.rdata.data()});
      std::size_t first = 0;
      for (auto& n : draft->nodes) {
        enc.push_back({n->hash, static_cast<std::uint8_t>(n->name.size()), n->label_count, n->flags, n->children,
                       n->name.data(), recs.data() + first, static_cast<std::uint32_t>(n->recs.size())});
        first += n->recs.size();
      }
      ZoneAccess::shards(zone_)[index] =
          enc.empty() ? ShardEncoder::empty() : ShardEncoder::encode(enc.data(), enc.size());
    }
    ZoneAccess::recompute_masks(zone_);
  }

 private:
  static bool is_delegation(const NodeDraft& n) {
    return !(n.flags & node_flag::kApex) && n.has_type(dns::type::kNS);
  }

  ShardDraft& shard(std::uint32_t hash) {
    std::size_t index = base_.shard_of(hash);
    auto it = shards_.find(index);
    if (it != shards_.end()) return *it->second;
    auto draft = std::make_unique<ShardDraft>();
    const Shard& s = *base_.shard(index);
    draft->nodes.reserve(s.nodes().size() + 4);
    for (const Node& n : s.nodes()) {
      auto nd = std::make_unique<NodeDraft>();
      nd->name.assign(s.name(n), s.name(n) + n.name_length);
      nd->hash = n.hash;
      nd->label_count = n.label_count;
      nd->flags = n.flags & (node_flag::kApex | node_flag::kWildcardChild);
      nd->children = n.children;
      for (const RRset& set : s.rrsets(n)) {
        const std::uint8_t* p = s.data() + set.offset;
        for (std::uint16_t r = 0; r < set.count; ++r) {
          std::uint16_t rdlength = dns_wire::load_u16(p + 10);
          nd->recs.push_back({set.type, dns_wire::load_u32(p + 6),
                              std::vector<std::uint8_t>(p + kWireRecordOverhead, p + kWireRecordOverhead + rdlength)});
          p += kWireRecordOverhead + rdlength;
        }
      }
      draft->nodes.push_back(std::move(nd));
    }
    return *shards_.emplace(index, std::move(draft)).first->second;
  }

  NodeDraft* find(const std::uint8_t* name, std::size_t length, std::uint32_t hash) {
    return shard(hash).find(name, length, hash);
  }

  // The node, created (with any missing ancestors as empty non-terminals) if absent.
  NodeDraft* ensure(const std::uint8_t* name, std::size_t length, std::uint32_t hash, unsigned labels) {
    if (NodeDraft* n = find(name, length, hash)) return n;
    auto nd = std::make_unique<NodeDraft>();
    nd->name.assign(name, name + length);
    nd->hash = hash;
    nd->label_count = static_cast<std::uint8_t>(labels);
    NodeDraft* node = nd.get();
    shard(hash).nodes.push_back(std::move(nd));
    ++ZoneAccess::nodes(zone_);
    bump(ZoneAccess::depth_nodes(zone_), labels, 1);
    // Never the apex here: the apex node always exists.
    const std::uint8_t* parent = parent_of(node->name.data());
    std::size_t plen = length - (parent - node->name.data());
    NodeDraft* p = ensure(parent, plen, name_hash(parent, plen), labels - 1);
    ++p->children;
    if (is_wildcard(node->name.data())) {
      p->flags |= node_flag::kWildcardChild;
      ++ZoneAccess::wildcards(zone_);
    }
    return node;
  }

  // Removes `node` if it holds nothing and has no children, then its ancestors that
  // became empty non-terminals.
  void prune(NodeDraft* node) {
    while (node && node->recs.empty() && node->children == 0 && !(node->flags & node_flag::kApex)) {
      std::vector<std::uint8_t> name = std::move(node->name);
      bool wildcard = is_wildcard(name.data());
      shard(node->hash).erase(node);
      --ZoneAccess::nodes(zone_);
      bump(ZoneAccess::depth_nodes(zone_), node_labels(name), -1);
      const std::uint8_t* parent = parent_of(name.data());
      std::size_t plen = name.size() - (parent - name.data());
      NodeDraft* p = find(parent, plen, name_hash(parent, plen));
      if (!p) return;
      --p->children;
      if (wildcard) {
        p->flags &= static_cast<std::uint16_t>(~node_flag::kWildcardChild);
        --ZoneAccess::wildcards(zone_);
      }
      node = p;
    }
  }

  static unsigned node_labels(const std::vector<std::uint8_t>& name) {
    std::uint8_t offsets[dns_wire::kMaxLabels + 1];
    return dns_wire::label_offsets_of(name.data(), name.size(), offsets);
  }

  Zone& zone_;
  const Zone& base_;
  std::unordered_map<std::size_t, std::unique_ptr<ShardDraft>> shards_;
};

}  // namespace

// ---------------------------------------------------------------------------------

struct ZoneSetBuilder::Impl {
  ZoneSetPtr base;
  std::map<std::string, ZoneDraft> drafts;  // zones touched since the last build
  std::size_t reserve_hint = 0;

  const Zone* base_zone(const std::string& canonical) const {
    for (const ZonePtr& z : base->zones())
      if (z->name() == canonical) return z.get();
    return nullptr;
  }

  // The draft of an existing zone (created from the base on first use), or nullptr.
  ZoneDraft* existing(const std::string& canonical) {
    auto it = drafts.find(canonical);
    if (it != drafts.end()) return it->second.exists ? &it->second : nullptr;
    const Zone* z = base_zone(canonical);
    if (!z) return nullptr;
    ZoneDraft d;
    d.name = canonical;
    d.apex.assign(z->apex().begin(), z->apex().end());
    d.apex_labels = z->apex_labels();
    for (const ZonePtr& p : base->zones())
      if (p.get() == z) d.content = p;
    d.soa.ttl = z->soa_ttl();
    d.soa.rdata.assign(z->soa_rdata().begin(), z->soa_rdata().end());
    d.soa.mname_end = z->soa_mname_end();
    d.soa.rname_end = z->soa_rname_end();
    return &drafts.emplace(canonical, std::move(d)).first->second;
  }

  Status upsert(std::string_view zone, SoaData soa) {
    MCNS_ASSIGN_OR_RETURN(std::string canonical, dns::canonical_zone_name(zone));
    if (ZoneDraft* d = existing(canonical)) {
      d->soa = std::move(soa);
      return ok_status();
    }
    ZoneDraft d;
    d.name = canonical;
    d.apex = dns::name_to_wire(str_cat(canonical, "."));
    std::uint8_t offsets[dns_wire::kMaxLabels + 1];
    d.apex_labels = dns_wire::label_offsets_of(d.apex.data(), d.apex.size(), offsets);
    d.soa = std::move(soa);
    if (reserve_hint) {
      d.ops.reserve(reserve_hint);
      d.bytes.reserve(reserve_hint * 24);
    }
    drafts.insert_or_assign(canonical, std::move(d));
    return ok_status();
  }

  StatusOr<ZoneDraft*> zone_for_record(std::string_view zone) {
    MCNS_ASSIGN_OR_RETURN(std::string canonical, dns::canonical_zone_name(zone));
    ZoneDraft* d = existing(canonical);
    if (!d) return not_found(str_cat("zone \"", canonical, "\" does not exist"));
    return d;
  }

  // Lower-case owner wire from text: absolute ("www.example.com.") or relative ("www", "@").
  // The common case of a full resync (a million calls): a relative owner as the control
  // stores it, turned into lower-case wire directly, with the rules of
  // dns::canonical_record_name (letters, digits, '-' inside a label, '_', a leftmost '*').
  // Anything else takes the general path below, which also words the errors.
  static bool relative_owner_fast(const ZoneDraft& d, std::string_view owner, std::vector<std::uint8_t>& out) {
    out.clear();
    if (owner == "@") {
      out = d.apex;
      return true;
    }
    if (owner.empty() || owner.back() == '.') return false;
    out.reserve(owner.size() + 1 + d.apex.size());
    std::size_t start = 0;
    bool first = true;
    while (start <= owner.size()) {
      std::size_t end = owner.find('.', start);
      if (end == std::string_view::npos) end = owner.size();
      std::size_t len = end - start;
      if (len == 0 || len > dns::kMaxLabelLength) return false;
      std::string_view label = owner.substr(start, len);
      if (label == "*") {
        if (!first) return false;
      } else {
        if (label.front() == '-' || label.back() == '-') return false;
        for (char c : label) {
          bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
          if (!ok) return false;
        }
      }
      out.push_back(static_cast<std::uint8_t>(len));
      for (char c : label) out.push_back(dns_wire::ascii_lower(static_cast<std::uint8_t>(c)));
      first = false;
      start = end + 1;
      if (end == owner.size()) break;
    }
    out.insert(out.end(), d.apex.begin(), d.apex.end());
    return out.size() <= dns::kMaxNameWireLength;
  }

  static StatusOr<std::vector<std::uint8_t>> owner_from_text(const ZoneDraft& d, std::string_view owner) {
    if (std::vector<std::uint8_t> fast; relative_owner_fast(d, owner, fast)) return fast;
    std::string relative;
    if (!owner.empty() && owner.back() == '.') {
      std::string lower = to_lower(owner);
      std::string apex = str_cat(d.name, ".");
      if (lower == apex) {
        relative = "@";
      } else if (lower.size() > apex.size() + 1 && lower.compare(lower.size() - apex.size(), apex.size(), apex) == 0 &&
                 lower[lower.size() - apex.size() - 1] == '.') {
        relative = lower.substr(0, lower.size() - apex.size() - 1);
      } else {
        return invalid_argument(str_cat("owner \"", owner, "\" is not in zone \"", d.name, "\""));
      }
    } else {
      relative = std::string(owner);
    }
    MCNS_ASSIGN_OR_RETURN(std::string rel, dns::canonical_record_name(relative, d.name));
    return dns::name_to_wire(dns::absolute_record_name(rel, d.name));
  }

  // Lower-case owner wire from wire, checked to be at or below the apex.
  static StatusOr<std::vector<std::uint8_t>> owner_from_wire(const ZoneDraft& d, std::span<const std::uint8_t> wire) {
    dns_wire::Name n;
    std::size_t used = 0;
    if (!n.assign(wire, &used) || used != wire.size()) return invalid_argument("invalid owner name in wire form");
    n.to_lower();
    unsigned labels = n.label_count;
    if (labels < d.apex_labels ||
        n.suffix_length(labels - d.apex_labels) != d.apex.size() ||
        std::memcmp(n.suffix(labels - d.apex_labels), d.apex.data(), d.apex.size()) != 0)
      return invalid_argument(str_cat("owner is not in zone \"", d.name, "\""));
    return std::vector<std::uint8_t>(n.data.begin(), n.data.begin() + n.length);
  }

  Status record_op(ZoneDraft& d, const std::vector<std::uint8_t>& owner, std::uint16_t type, std::uint32_t ttl,
                   std::span<const std::uint8_t> rdata, bool add) {
    MCNS_RETURN_IF_ERROR(check_type(type));
    MCNS_RETURN_IF_ERROR(check_rdata(type, rdata));
    if (ttl > dns::kMaxTtl) return invalid_argument(str_cat("invalid TTL ", ttl));
    if (d.bytes.size() + owner.size() + rdata.size() > 0xffffffffull)
      return resource_exhausted("too much pending data in one build");
    std::uint8_t offsets[dns_wire::kMaxLabels + 1];
    Op op;
    op.hash = name_hash(owner.data(), owner.size());
    op.owner_offset = static_cast<std::uint32_t>(d.bytes.size());
    op.owner_length = static_cast<std::uint8_t>(owner.size());
    op.owner_labels = static_cast<std::uint8_t>(dns_wire::label_offsets_of(owner.data(), owner.size(), offsets));
    // Consecutive records of one owner (the common bulk case) share its bytes.
    if (!d.ops.empty()) {
      const Op& prev = d.ops.back();
      if (prev.hash == op.hash && prev.owner_length == owner.size() &&
          std::memcmp(d.bytes.data() + prev.owner_offset, owner.data(), owner.size()) == 0)
        op.owner_offset = prev.owner_offset;
    }
    if (op.owner_offset == d.bytes.size()) d.bytes.insert(d.bytes.end(), owner.begin(), owner.end());
    op.rdata_offset = static_cast<std::uint32_t>(d.bytes.size());
    d.bytes.insert(d.bytes.end(), rdata.begin(), rdata.end());
    op.rdlength = static_cast<std::uint16_t>(rdata.size());
    op.type = type;
    op.ttl = ttl;
    op.add = add;
    d.ops.push_back(op);
    return ok_status();
  }

  ZonePtr build_zone(const ZoneDraft& d) {
    auto zone = std::make_shared<Zone>();
    ZoneAccess::set_identity(*zone, d.name, d.apex);
    ZoneAccess::set_soa(*zone, d.soa.ttl, d.soa.rdata, d.soa.mname_end, d.soa.rname_end);
    const Zone* base = d.content.get();
    bool incremental = base != nullptr;
    if (base) {
      // Incremental costs about one shard decode per op; a bulk rebuild about one
      // record's work per record. Also rebuild when the shards would grow too big.
      std::size_t ops = d.ops.size();
      if (ops * kBulkNodesPerShard > base->record_count() + 4096) incremental = false;
      if (base->node_count() + ops > base->shard_count() * kMaxNodesPerShard) incremental = false;
    }
    if (incremental) {
      ZoneAccess::shards(*zone) = [&] {
        std::vector<ShardPtr> v;
        v.reserve(base->shard_count());
        for (std::size_t i = 0; i < base->shard_count(); ++i) v.push_back(base->shard(i));
        return v;
      }();
      ZoneAccess::depth_nodes(*zone) = ZoneAccess::depth_nodes(*base);
      ZoneAccess::depth_delegations(*zone) = ZoneAccess::depth_delegations(*base);
      ZoneAccess::wildcards(*zone) = ZoneAccess::wildcards(*base);
      ZoneAccess::records(*zone) = base->record_count() - 1;
      ZoneAccess::nodes(*zone) = base->node_count();
      IncrementalBuild inc(*zone, *base);
      for (const Op& op : d.ops) inc.apply(op, d.bytes.data());
      inc.finish();
    } else {
      build_full(*zone, d);
      ZoneAccess::recompute_masks(*zone);
    }
    ZoneAccess::find_apex(*zone);
    return zone;
  }
};

ZoneSetBuilder::ZoneSetBuilder() : ZoneSetBuilder(nullptr) {}
ZoneSetBuilder::ZoneSetBuilder(ZoneSetPtr base) : impl_(std::make_unique<Impl>()) {
  impl_->base = base ? std::move(base) : std::make_shared<const ZoneSet>();
}
ZoneSetBuilder::~ZoneSetBuilder() = default;
ZoneSetBuilder::ZoneSetBuilder(ZoneSetBuilder&&) noexcept = default;
ZoneSetBuilder& ZoneSetBuilder::operator=(ZoneSetBuilder&&) noexcept = default;

Status ZoneSetBuilder::upsert_zone(std::string_view zone, const SoaParams& soa) {
  MCNS_ASSIGN_OR_RETURN(std::string mname, dns::canonical_absolute_name(soa.primary_ns));
  std::vector<std::uint8_t> rdata = dns::name_to_wire(mname);
  MCNS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> rname, mailbox_to_wire(soa.admin));
  rdata.insert(rdata.end(), rname.begin(), rname.end());
  for (std::uint32_t v : {soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum}) {
    std::uint8_t b[4];
    dns_wire::store_u32(b, v);
    rdata.insert(rdata.end(), b, b + 4);
  }
  MCNS_ASSIGN_OR_RETURN(SoaData data, soa_from_wire(soa.ttl, rdata));
  return impl_->upsert(zone, std::move(data));
}

Status ZoneSetBuilder::upsert_zone_wire(std::string_view zone, std::uint32_t soa_ttl,
                                        std::span<const std::uint8_t> soa_rdata) {
  MCNS_ASSIGN_OR_RETURN(SoaData data, soa_from_wire(soa_ttl, soa_rdata));
  return impl_->upsert(zone, std::move(data));
}

Status ZoneSetBuilder::delete_zone(std::string_view zone) {
  MCNS_ASSIGN_OR_RETURN(ZoneDraft * d, impl_->zone_for_record(zone));
  d->exists = false;
  d->content.reset();
  d->ops.clear();
  d->bytes.clear();
  return ok_status();
}

Status ZoneSetBuilder::clear_zone(std::string_view zone) {
  MCNS_ASSIGN_OR_RETURN(ZoneDraft * d, impl_->zone_for_record(zone));
  d->content.reset();
  d->ops.clear();
  d->bytes.clear();
  return ok_status();
}

Status ZoneSetBuilder::add_record(std::string_view zone, std::string_view owner, std::uint16_t type,
                                  std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
  MCNS_ASSIGN_OR_RETURN(ZoneDraft * d, impl_->zone_for_record(zone));
  MCNS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> wire, Impl::owner_from_text(*d, owner));
  return impl_->record_op(*d, wire, type, ttl, rdata, true);
}

Status ZoneSetBuilder::remove_record(std::string_view zone, std::string_view owner, std::uint16_t type,
                                     std::span<const std::uint8_t> rdata) {
  MCNS_ASSIGN_OR_RETURN(ZoneDraft * d, impl_->zone_for_record(zone));
  MCNS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> wire, Impl::owner_from_text(*d, owner));
  return impl_->record_op(*d, wire, type, 0, rdata, false);
}

Status ZoneSetBuilder::add_record_wire(std::string_view zone, std::span<const std::uint8_t> owner_wire,
                                       std::uint16_t type, std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
  MCNS_ASSIGN_OR_RETURN(ZoneDraft * d, impl_->zone_for_record(zone));
  MCNS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> wire, Impl::owner_from_wire(*d, owner_wire));
  return impl_->record_op(*d, wire, type, ttl, rdata, true);
}

Status ZoneSetBuilder::remove_record_wire(std::string_view zone, std::span<const std::uint8_t> owner_wire,
                                          std::uint16_t type, std::span<const std::uint8_t> rdata) {
  MCNS_ASSIGN_OR_RETURN(ZoneDraft * d, impl_->zone_for_record(zone));
  MCNS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> wire, Impl::owner_from_wire(*d, owner_wire));
  return impl_->record_op(*d, wire, type, 0, rdata, false);
}

void ZoneSetBuilder::reserve(std::size_t records) { impl_->reserve_hint = records; }

StatusOr<ZoneSetPtr> ZoneSetBuilder::build() {
  auto set = std::make_shared<ZoneSet>();
  set->ready_ = true;
  std::map<std::string, ZonePtr> zones;
  for (const ZonePtr& z : impl_->base->zones()) zones.emplace(z->name(), z);
  for (auto& [name, draft] : impl_->drafts) {
    if (!draft.exists) {
      zones.erase(name);
      continue;
    }
    zones.insert_or_assign(name, impl_->build_zone(draft));
  }
  set->zones_.reserve(zones.size());
  for (auto& [name, z] : zones) set->zones_.push_back(std::move(z));
  set->index_zones();
  impl_->drafts.clear();
  impl_->base = set;
  return ZoneSetPtr(std::move(set));
}

}  // namespace mcns::zone
