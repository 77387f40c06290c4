#include "common/zone/incremental_build.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/dns/rr_type.h"
#include "common/dns_wire/wire.h"
#include "common/zone/shard_encoder.h"

namespace mcns::zone {
namespace {

constexpr std::size_t kBulkNodesPerShard = 64;  // the full build's shard size
constexpr std::size_t kMaxNodesPerShard = 512;  // beyond this average, rebuild with more shards

int compare_rdata(const std::uint8_t* a, std::size_t an, const std::uint8_t* b, std::size_t bn) {
  int c = std::memcmp(a, b, std::min(an, bn));
  if (c != 0) return c;
  return an < bn ? -1 : (an > bn ? 1 : 0);
}

const std::uint8_t* parent_of(const std::uint8_t* name) { return name + 1 + name[0]; }
bool is_wildcard(const std::uint8_t* name) { return name[0] == 1 && name[1] == '*'; }

void bump(std::array<std::uint32_t, 128>& a, unsigned i, int delta) {
  if (i < 128) a[i] = static_cast<std::uint32_t>(static_cast<int>(a[i]) + delta);
}

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
  explicit IncrementalBuild(const Zone& base) : base_(base), out_(base.content()) {}

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
      ++out_.records;
      if (!delegation_before && is_delegation(*node)) bump(out_.depth_delegations, node->label_count, 1);
      return;
    }
    NodeDraft* node = find(owner, op.owner_length, op.hash);
    if (!node) return;
    for (auto it = node->recs.begin(); it != node->recs.end(); ++it) {
      if (it->type == op.type && compare_rdata(it->rdata.data(), it->rdata.size(), rdata, op.rdlength) == 0) {
        bool delegation_before = is_delegation(*node);
        node->recs.erase(it);
        --out_.records;
        if (delegation_before && !is_delegation(*node)) bump(out_.depth_delegations, node->label_count, -1);
        prune(node);
        return;
      }
    }
  }

  // Re-encodes the touched shards; the others stay shared with the base.
  ZoneContent finish() {
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
      out_.shards[index] = enc.empty() ? ShardEncoder::empty() : ShardEncoder::encode(enc.data(), enc.size());
    }
    return std::move(out_);
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
      for_each_record(s, n, [&](std::uint16_t type, std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
        nd->recs.push_back({type, ttl, std::vector<std::uint8_t>(rdata.begin(), rdata.end())});
      });
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
    ++out_.nodes;
    bump(out_.depth_nodes, labels, 1);
    // Never the apex here: the apex node always exists.
    const std::uint8_t* parent = parent_of(node->name.data());
    std::size_t plen = length - (parent - node->name.data());
    NodeDraft* p = ensure(parent, plen, name_hash(parent, plen), labels - 1);
    ++p->children;
    if (is_wildcard(node->name.data())) {
      p->flags |= node_flag::kWildcardChild;
      ++out_.wildcards;
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
      --out_.nodes;
      bump(out_.depth_nodes, node_labels(name), -1);
      const std::uint8_t* parent = parent_of(name.data());
      std::size_t plen = name.size() - (parent - name.data());
      NodeDraft* p = find(parent, plen, name_hash(parent, plen));
      if (!p) return;
      --p->children;
      if (wildcard) {
        p->flags &= static_cast<std::uint16_t>(~node_flag::kWildcardChild);
        --out_.wildcards;
      }
      node = p;
    }
  }

  static unsigned node_labels(const std::vector<std::uint8_t>& name) {
    std::uint8_t offsets[dns_wire::kMaxLabels + 1];
    return dns_wire::label_offsets_of(name.data(), name.size(), offsets);
  }

  const Zone& base_;
  ZoneContent out_;  // starts as the base's: shared shards, its counters
  std::unordered_map<std::size_t, std::unique_ptr<ShardDraft>> shards_;
};

}  // namespace

bool incremental_fits(const Zone& base, std::size_t ops) {
  if (ops * kBulkNodesPerShard > base.record_count() + 4096) return false;
  if (base.node_count() + ops > base.shard_count() * kMaxNodesPerShard) return false;
  return true;
}

ZoneContent build_incremental(const Zone& base, const ZoneDraft& draft) {
  IncrementalBuild build(base);
  for (const Op& op : draft.ops) build.apply(op, draft.bytes.data());
  return build.finish();
}

}  // namespace mcns::zone
