#include "common/zone/full_build.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/dns/rr_type.h"
#include "common/zone/shard_encoder.h"

namespace mcns::zone {
namespace {

constexpr std::size_t kBulkNodesPerShard = 64;  // shard size chosen for a full build

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

int compare_rdata(const std::uint8_t* a, std::size_t an, const std::uint8_t* b, std::size_t bn) {
  int c = std::memcmp(a, b, std::min(an, bn));
  if (c != 0) return c;
  return an < bn ? -1 : (an > bn ? 1 : 0);
}

int compare_key(const FlatRecord& a, const FlatRecord& b) {
  if (a.hash != b.hash) return a.hash < b.hash ? -1 : 1;
  if (a.owner_length != b.owner_length) return a.owner_length < b.owner_length ? -1 : 1;
  if (int c = std::memcmp(a.owner, b.owner, a.owner_length); c != 0) return c;
  if (a.type != b.type) return a.type < b.type ? -1 : 1;
  return compare_rdata(a.rdata, a.rdlength, b.rdata, b.rdlength);
}

const std::uint8_t* parent_of(const std::uint8_t* name) { return name + 1 + name[0]; }
bool is_wildcard(const std::uint8_t* name) { return name[0] == 1 && name[1] == '*'; }

void bump(std::array<std::uint32_t, 128>& a, unsigned i, int delta) {
  if (i < 128) a[i] = static_cast<std::uint32_t>(static_cast<int>(a[i]) + delta);
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

}  // namespace

ZoneContent build_full(const ZoneDraft& d) {
  ZoneContent out;
  std::vector<FlatRecord> recs;
  std::size_t base_records = d.content ? d.content->record_count() : 0;
  recs.reserve(base_records + d.ops.size());
  std::uint32_t seq = 0;
  if (d.content) {
    for (std::size_t si = 0; si < d.content->shard_count(); ++si) {
      const Shard& s = *d.content->shard(si);
      for (const Node& n : s.nodes()) {
        for_each_record(s, n, [&](std::uint16_t type, std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
          recs.push_back({n.hash, seq, s.name(n), rdata.data(), ttl, static_cast<std::uint16_t>(rdata.size()), type,
                          n.name_length, n.label_count, true});
        });
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
  std::vector<ShardPtr>& shards = out.shards;
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

  out.depth_nodes.fill(0);
  out.depth_delegations.fill(0);
  for (const BuildNode& n : nodes) {
    bump(out.depth_nodes, n.label_count, 1);
    if (n.flags & node_flag::kApex) continue;
    for (std::uint32_t r = 0; r < n.record_count; ++r)
      if (final_recs[n.first_record + r].type == dns::type::kNS) {
        bump(out.depth_delegations, n.label_count, 1);
        break;
      }
  }
  out.wildcards = wildcards;
  out.records = record_total;
  out.nodes = nodes.size();
  return out;
}

}  // namespace mcns::zone
